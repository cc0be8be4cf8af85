-- PgBouncer's users file (auth_file of deploy/pgbouncer/pgbouncer.ini): the line of
-- the app's role with its SCRAM secret as PostgreSQL keeps it, never its password
-- in clear. Run as a PostgreSQL superuser, again after each password change:
--   psql -At -v role=permanences -f deploy/pgbouncer/userlist.sql > /etc/pgbouncer/userlist.txt
SELECT format('"%s" "%s"', rolname, coalesce(rolpassword, '')) FROM pg_authid WHERE rolname = :'role';
