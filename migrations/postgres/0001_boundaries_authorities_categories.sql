-- Boundaries, authorities, categories and routing: what the jurisdiction engine is built from.
-- Reports follow in a later migration. Timestamps are always bound from Rust (UTC), never
-- defaulted in SQL, so both backends store the same instants.

-- Who handles reports. Keys: 5 digits Landkreis, 8 digits Berlin Bezirksamt, 9 digits
-- Gemeindeverband (Amt, Verbandsgemeinde, erfüllende/amtsfreie Gemeinde or Stadt, kreisfreie
-- Stadt), `XX-NAME` for state agencies. contact_email is managed by admins; imports keep it.
create table authorities (
  key text primary key,
  name text not null,
  kind text not null constraint authorities_kind check (kind in (
    'bezirksamt', 'amt', 'verbandsgemeinde', 'erfuellende_gemeinde', 'amtsfreie_gemeinde',
    'amtsfreie_stadt', 'kreisfreie_stadt', 'landkreis', 'state_agency')),
  state text not null constraint authorities_state check (state in ('BE', 'BB', 'MV')),
  contact_email text not null default '',
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- The boundary files an import read, with the attribution their licences require.
create table boundary_sources (
  id text primary key,
  title text not null,
  file text not null,
  licence text not null,
  licence_url text not null,
  attribution text not null,
  precision_rank integer not null,
  imported_at timestamptz not null
);

-- Municipality-level areas (Berlin Bezirke, BB/MV Gemeinden). The outline is stored in the
-- compact binary form of src/boundaries/codec.rs; spatial queries run in memory, not in SQL.
create table areas (
  key text primary key,
  name text not null,
  official_name text not null,
  state text not null constraint areas_state check (state in ('BE', 'BB', 'MV')),
  kreis_key text not null,
  kreis_name text not null,
  authority_key text not null constraint areas_authority_fk references authorities (key),
  kreis_authority_key text not null constraint areas_kreis_authority_fk references authorities (key),
  source_id text not null constraint areas_source_fk references boundary_sources (id),
  precision_rank integer not null,
  geometry bytea not null,
  updated_at timestamptz not null
);
create index areas_authority_idx on areas (authority_key);

-- Report categories. routing_level: municipal (default), kreis, or authority (then
-- routing_authority_key names it).
create table categories (
  code text primary key,
  name_de text not null,
  name_en text not null,
  group_code text not null,
  notice_de text,
  notice_en text,
  routing_level text not null constraint categories_routing_level check (routing_level in ('municipal', 'kreis', 'authority')),
  routing_authority_key text constraint categories_routing_authority_fk references authorities (key),
  active boolean not null,
  sort_order integer not null,
  constraint categories_routing_target check ((routing_level = 'authority') = (routing_authority_key is not null))
);

-- Per state or Kreis overrides of a category's routing; the Kreis rule beats the state rule.
create table routing_rules (
  id bigint generated always as identity primary key,
  category_code text not null constraint routing_rules_category_fk references categories (code),
  scope text not null constraint routing_rules_scope check (scope in ('state', 'kreis')),
  scope_key text not null,
  target_level text not null constraint routing_rules_target_level check (target_level in ('municipal', 'kreis', 'authority')),
  target_authority_key text constraint routing_rules_target_authority_fk references authorities (key),
  constraint routing_rules_target check ((target_level = 'authority') = (target_authority_key is not null)),
  constraint routing_rules_unique unique (category_code, scope, scope_key)
);

-- The default categories, after Maerker's.
insert into categories (code, name_de, name_en, group_code, notice_de, notice_en, routing_level, routing_authority_key, active, sort_order) values
  ('roads_paths', 'Straßen und Wege', 'Roads and paths', 'traffic', null, null, 'municipal', null, true, 10),
  ('street_lighting', 'Straßenbeleuchtung', 'Street lighting', 'traffic', null, null, 'municipal', null, true, 20),
  ('traffic_signs_signals', 'Verkehrszeichen und Ampeln', 'Traffic signs and signals', 'traffic', 'Fällt eine Ampel an einer gefährlichen Kreuzung aus oder liegt ein Hindernis auf der Fahrbahn? Rufen Sie sofort die Polizei: 110.', 'A traffic light out at a dangerous junction, or an obstacle on the road? Call the police at once: 110.', 'municipal', null, true, 30),
  ('litter_dumping', 'Müll und illegale Ablagerungen', 'Litter and illegal dumping', 'environment', 'Fässer, Asbest, Chemikalien oder andere gefährliche Stoffe? Nicht berühren und die Feuerwehr rufen: 112.', 'Barrels, asbestos, chemicals or other hazardous waste? Do not touch it; call the fire brigade: 112.', 'municipal', null, true, 40),
  ('green_trees', 'Grünflächen und Bäume', 'Green spaces and trees', 'environment', 'Droht ein Baum umzustürzen oder versperrt er eine Straße? Rufen Sie die Feuerwehr: 112.', 'A tree about to fall, or blocking a road? Call the fire brigade: 112.', 'municipal', null, true, 50),
  ('playgrounds', 'Spielplätze', 'Playgrounds', 'facilities', 'Ist ein Spielgerät so beschädigt, dass Kinder sich verletzen können? Melden Sie es hier und sperren Sie es wenn möglich ab.', 'Is play equipment so damaged that children could get hurt? Report it here and cordon it off if you can.', 'municipal', null, true, 60),
  ('public_toilets', 'Öffentliche Toiletten', 'Public toilets', 'facilities', null, null, 'municipal', null, true, 70),
  ('graffiti_vandalism', 'Graffiti und Vandalismus', 'Graffiti and vandalism', 'public_order', 'Beobachten Sie gerade eine Straftat? Rufen Sie die Polizei (110) oder nutzen Sie die Onlinewache der Polizei Ihres Landes.', 'Are you witnessing a crime right now? Call the police (110) or use your state police''s online station.', 'municipal', null, true, 80),
  ('winter_service', 'Winterdienst', 'Winter service', 'traffic', null, null, 'municipal', null, true, 90),
  ('other', 'Sonstiges', 'Other', 'other', null, null, 'municipal', null, true, 100);

-- Illegal dumping on public land is removed by the Landkreis as the public waste authority
-- (öffentlich-rechtlicher Entsorgungsträger) in Brandenburg and MV; kreisfreie Städte and
-- Berlin's Bezirke do it themselves, which the `kreis` level resolves to.
insert into routing_rules (category_code, scope, scope_key, target_level, target_authority_key) values
  ('litter_dumping', 'state', 'BB', 'kreis', null),
  ('litter_dumping', 'state', 'MV', 'kreis', null);
