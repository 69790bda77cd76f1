-- The filing and follow rate limits' token buckets, per scope (`filing`, `following`) and
-- client address, shared by every instance on one database (src/store/rate_limits.rs): N
-- instances behind a load balancer must not allow N times the documented rate. One upsert
-- refills and takes a token, so concurrent requests at different instances are counted one
-- after the other. Tokens in thousandths and times in Unix milliseconds: integers are the
-- arithmetic both databases share. Rows of full buckets are deleted now and then.
create table rate_limit_buckets (
  scope text not null,
  client text not null,
  tokens_milli bigint not null,
  updated_ms bigint not null,
  primary key (scope, client)
);
create index rate_limit_buckets_updated on rate_limit_buckets (scope, updated_ms);
