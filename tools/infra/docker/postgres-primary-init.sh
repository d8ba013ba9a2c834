#!/usr/bin/env bash
# Runs once, when the postgres:15 image initialises the primary's empty volume (it executes
# /docker-entrypoint-initdb.d/*.sh as the postgres user with the server running locally).
# Mirrors what tools/infra does on a workstation: a replication role allowed to stream over TCP
# with a SCRAM password, and a physical replication slot per replica.
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<-SQL
  CREATE ROLE workshop_replicator WITH LOGIN REPLICATION PASSWORD 'workshop_replicator';
  SELECT pg_create_physical_replication_slot('replica_1');
SQL

# The image's pg_hba.conf admits every database but not replication connections.
echo 'host replication workshop_replicator all scram-sha-256' >> "$PGDATA/pg_hba.conf"
