DROP TABLE deliveries;
DROP TABLE channels;
DROP TABLE notifications;
DROP TABLE notices;
