DROP TABLE attachment_data;
DROP TABLE attachments;
