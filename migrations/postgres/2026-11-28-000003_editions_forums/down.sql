DROP TABLE attendances;
DROP TABLE forum_departments;
DROP TABLE forums;
DROP TABLE editions;
