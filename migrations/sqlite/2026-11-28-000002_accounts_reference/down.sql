DROP TABLE login_throttle;
DROP TABLE calendar_days;
DROP TABLE calendar_years;
DROP TABLE users;
DROP TABLE enterprises;
DROP TABLE departments;
DROP TABLE regions;
