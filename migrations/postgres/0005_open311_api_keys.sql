-- API keys of Open311 GeoReport v2 clients (third-party apps). GeoReport v2 asks for a key on
-- POST only; admins issue and revoke them. Like personal API tokens, only the SHA-256 of the
-- key is stored: keys are 256 random bits, so a fast hash is enough, and a copy of the
-- database lets nobody file in a client's name.
create table open311_api_keys (
  id uuid primary key,
  -- Who the key is for (the app or organisation), shown to admins.
  name text not null,
  secret_hash text not null constraint open311_api_keys_secret_key unique,
  -- The admin who issued it; kept when the account goes (null then).
  created_by uuid constraint open311_api_keys_account_fk references accounts (id) on delete set null,
  created_at timestamptz not null,
  last_used_at timestamptz,
  revoked_at timestamptz
);

-- When a category last changed: Open311 discovery announces it as the `changeset`, so
-- clients know to reload the service list. The shipped catalogue dates from 2026-01-01.
alter table categories add column updated_at timestamptz;
update categories set updated_at = '2026-01-01T00:00:00Z';
