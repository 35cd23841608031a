DROP TABLE department_names;
