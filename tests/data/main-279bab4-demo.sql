-- A demo database made by fieldapp at commit 279bab4 (fieldapp init --demo), before the layout
-- of issue 8: tests/test_migrations.py checks that the new code migrates it cleanly.
BEGIN TRANSACTION;
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
INSERT INTO "_sqlite_migrations" VALUES(1,'sync','create_sync_tables','2026-12-01 19:43:54.638934+00:00');
INSERT INTO "_sqlite_migrations" VALUES(2,'sync','create_alias_table','2026-12-01 19:43:54.639587+00:00');
INSERT INTO "_sqlite_migrations" VALUES(3,'fieldapp','m001_accounts','2026-12-01 19:43:54.640876+00:00');
INSERT INTO "_sqlite_migrations" VALUES(4,'fieldapp','m002_casework','2026-12-01 19:43:54.641734+00:00');
INSERT INTO "_sqlite_migrations" VALUES(5,'fieldapp','m003_settings','2026-12-01 19:43:54.642228+00:00');
INSERT INTO "_sqlite_migrations" VALUES(6,'fieldapp','m004_assessments','2026-12-01 19:43:54.642809+00:00');
INSERT INTO "_sqlite_migrations" VALUES(7,'fieldapp','m005_people_consent_audit','2026-12-01 19:43:54.645955+00:00');
INSERT INTO "_sqlite_migrations" VALUES(8,'fieldapp.push','create_push_subscription','2026-12-01 19:43:54.646803+00:00');
INSERT INTO "_sqlite_migrations" VALUES(9,'fieldapp.peer','m001_peer_session','2026-12-01 19:43:54.647418+00:00');
CREATE TABLE "assessment" (
   "id" TEXT PRIMARY KEY,
   "version" INTEGER NOT NULL,
   "deleted" INTEGER NOT NULL DEFAULT 0,
   "scope" TEXT NOT NULL,
   "person_id" TEXT,
   "instrument" TEXT,
   "instrument_version" TEXT,
   "assessed_on" TEXT,
   "status" TEXT,
   "scores" TEXT,
   "notes" TEXT,
   "disagree" TEXT,
   "from_paper" INTEGER,
   "not_done_reason" TEXT,
   "assessor_id" INTEGER,
   "total" INTEGER,
   "max_total" INTEGER,
   "created_at" TEXT
);
INSERT INTO "assessment" VALUES('868bc012-57a9-4a6e-81b6-f4838b92e4d0',1,0,'395a62cb-6613-4288-b8fc-9bb356ccb33c','395a62cb-6613-4288-b8fc-9bb356ccb33c','ndt','1','2026-08-03','final','{"engagement": 3, "intentional_self_harm": 1, "unintentional_self_harm": 3, "risk_to_others": 3, "risk_from_others": 3, "stress_anxiety": 3, "social_effectiveness": 3, "alcohol_drugs": 4, "impulse_control": 3, "housing": 4}','{}','{}',0,NULL,1,36,48,'2026-12-01T19:43:55Z');
INSERT INTO "assessment" VALUES('aa72e06d-5c19-4ed2-afc8-8e2a248b3932',1,0,'395a62cb-6613-4288-b8fc-9bb356ccb33c','395a62cb-6613-4288-b8fc-9bb356ccb33c','ndt','1','2026-11-11','final','{"engagement": 3, "intentional_self_harm": 1, "unintentional_self_harm": 3, "risk_to_others": 3, "risk_from_others": 3, "stress_anxiety": 2, "social_effectiveness": 3, "alcohol_drugs": 3, "impulse_control": 3, "housing": 2}','{}','{}',0,NULL,1,32,48,'2026-12-01T19:43:55Z');
INSERT INTO "assessment" VALUES('edc3746f-c1b3-43ce-b888-0c239bfe93b8',1,0,'395a62cb-6613-4288-b8fc-9bb356ccb33c','395a62cb-6613-4288-b8fc-9bb356ccb33c','homelessness-star','3.1','2026-08-23','final','{"motivation": 3, "self_care": 4, "money": 2, "social_networks": 3, "drug_alcohol": 2, "physical_health": 5, "emotional_health": 3, "meaningful_use_of_time": 2, "tenancy": 1, "offending": 6}','{"tenancy": "Wants to talk about a hostel place first"}','{"offending": true}',1,NULL,1,NULL,NULL,'2026-12-01T19:43:55Z');
INSERT INTO "assessment" VALUES('5201111b-3a8d-450b-876a-01f5cb2a046a',1,0,'395a62cb-6613-4288-b8fc-9bb356ccb33c','395a62cb-6613-4288-b8fc-9bb356ccb33c','homelessness-star','3.1','2026-11-16','final','{"motivation": 5, "self_care": 5, "money": 3, "social_networks": 4, "drug_alcohol": 3, "physical_health": 5, "emotional_health": 4, "meaningful_use_of_time": 4, "tenancy": 3, "offending": 7}','{"tenancy": "Wants to talk about a hostel place first"}','{"offending": true}',0,NULL,1,NULL,NULL,'2026-12-01T19:43:55Z');
INSERT INTO "assessment" VALUES('95e0fd38-668b-43fe-a0fc-b5f5361c1357',1,0,'395a62cb-6613-4288-b8fc-9bb356ccb33c','395a62cb-6613-4288-b8fc-9bb356ccb33c','homelessness-star','3.1','2026-12-01','draft','{"motivation": 6, "self_care": 5, "money": 4}','{"tenancy": "Wants to talk about a hostel place first"}','{"offending": true}',0,NULL,1,NULL,NULL,'2026-12-01T19:43:55Z');
INSERT INTO "assessment" VALUES('b35afd5a-6efa-4b39-aa6e-2d241ef49dd6',1,0,'a7aa16c1-8547-4975-83bc-ba87a10c7628','a7aa16c1-8547-4975-83bc-ba87a10c7628','ndt','1','2026-08-23','final','{"engagement": 2, "intentional_self_harm": 0, "unintentional_self_harm": 1, "risk_to_others": 2, "risk_from_others": 3, "stress_anxiety": 3, "social_effectiveness": 2, "alcohol_drugs": 2, "impulse_control": 2, "housing": 3}','{}','{}',0,NULL,4,25,48,'2026-12-01T19:43:55Z');
INSERT INTO "assessment" VALUES('0abc738e-7c72-4496-907d-6a33547b4217',1,0,'1da09224-24f8-4547-8053-1f454f27a535','1da09224-24f8-4547-8053-1f454f27a535','ndt','1','2026-11-26','not_done','{}','{}','{}',0,'Lee was not at the tent on the day it was due',1,NULL,48,'2026-12-01T19:43:55Z');
CREATE TABLE audit_event (id INTEGER PRIMARY KEY, at TEXT, user_id INTEGER, person_id TEXT, action TEXT, detail TEXT, device_id TEXT, via TEXT);
CREATE TABLE "consent" (
   "id" TEXT PRIMARY KEY,
   "version" INTEGER NOT NULL,
   "deleted" INTEGER NOT NULL DEFAULT 0,
   "scope" TEXT NOT NULL,
   "person_id" TEXT,
   "recording" INTEGER,
   "share_with" TEXT,
   "given_on" TEXT,
   "withdrawn" INTEGER,
   "withdrawn_on" TEXT,
   "note" TEXT,
   "recorded_by" INTEGER,
   "created_at" TEXT
);
INSERT INTO "consent" VALUES('f08955a5-2f8d-4be1-9290-722d524b5eb2',1,0,'395a62cb-6613-4288-b8fc-9bb356ccb33c','395a62cb-6613-4288-b8fc-9bb356ccb33c',1,'["cgl"]','2026-11-11',0,NULL,NULL,1,'2026-12-01T19:43:55Z');
INSERT INTO "consent" VALUES('a48e1610-f4c5-4e98-9231-87c8cf747a6b',1,0,'a7aa16c1-8547-4975-83bc-ba87a10c7628','a7aa16c1-8547-4975-83bc-ba87a10c7628',1,'["probation-fenland"]','2026-11-19',0,NULL,NULL,4,'2026-12-01T19:43:55Z');
INSERT INTO "consent" VALUES('4a3a21cf-6f8e-4078-93ea-7b62a3f5681e',1,0,'7ac7c411-c25c-4cfa-b0cd-e7670279310d','7ac7c411-c25c-4cfa-b0cd-e7670279310d',1,'["cgl", "dwp-fenland"]','2026-11-23',0,NULL,NULL,3,'2026-12-01T19:43:55Z');
CREATE TABLE "contact" (
   "id" TEXT PRIMARY KEY,
   "version" INTEGER NOT NULL,
   "deleted" INTEGER NOT NULL DEFAULT 0,
   "scope" TEXT NOT NULL,
   "person_id" TEXT,
   "contact_at" TEXT,
   "district" TEXT,
   "place" TEXT,
   "contact_type" TEXT,
   "bedded_down" INTEGER,
   "spoken_to" INTEGER,
   "duration_minutes" INTEGER,
   "what_happened" TEXT,
   "action" TEXT,
   "worker_id" INTEGER,
   "recorded_at" TEXT
);
INSERT INTO "contact" VALUES('b423820a-ecf4-407e-b761-8c65541ab59a',1,0,'395a62cb-6613-4288-b8fc-9bb356ccb33c','395a62cb-6613-4288-b8fc-9bb356ccb33c','2026-11-22T06:00','Fenland','Bus station, Wisbech','street_outreach',1,1,20,'Dan was awake and talked for a while. Dog well.','Offered a sleeping bag and a hostel referral',1,NULL);
INSERT INTO "contact" VALUES('e4a2db17-f8ff-4728-b60e-1a1746367b6c',1,0,'395a62cb-6613-4288-b8fc-9bb356ccb33c','395a62cb-6613-4288-b8fc-9bb356ccb33c','2026-11-27T07:00','Fenland','Bus station, Wisbech','street_outreach',1,0,5,'Asleep; did not wake him.',NULL,2,NULL);
INSERT INTO "contact" VALUES('c9b717d2-d7cf-4d27-83e2-a2ec6b91221c',1,0,'395a62cb-6613-4288-b8fc-9bb356ccb33c','395a62cb-6613-4288-b8fc-9bb356ccb33c','2026-11-30T11:00','Fenland','Day centre, Wisbech','appointment',0,1,45,'Talked about getting his ID back.','Book an appointment for a birth certificate',3,NULL);
INSERT INTO "contact" VALUES('39fdc51c-4259-4960-ac4c-a742ce1377ab',1,0,'9ab82f1c-8fd6-4492-be7d-ac0d16c87b60','9ab82f1c-8fd6-4492-be7d-ac0d16c87b60','2026-11-25T06:00','Fenland','Church porch, March','streetlink',1,0,10,'StreetLink alert followed up; she was asleep.','Report the outcome to StreetLink',2,NULL);
INSERT INTO "contact" VALUES('8ec5c7d7-8b36-4ce7-a663-6af9744e93a4',1,0,'9ab82f1c-8fd6-4492-be7d-ac0d16c87b60','9ab82f1c-8fd6-4492-be7d-ac0d16c87b60','2026-11-29T06:00','Fenland','Church porch, March','street_outreach',1,1,15,'Spoke briefly; she would like a woman worker next time.','Ask a woman worker to visit',1,NULL);
INSERT INTO "contact" VALUES('bb81ec87-f2ee-47ed-be6a-41613a3d558d',1,0,'a7aa16c1-8547-4975-83bc-ba87a10c7628','a7aa16c1-8547-4975-83bc-ba87a10c7628','2026-11-19T10:00','East Cambridgeshire','HMP Peterborough','prison_inreach',0,1,60,'Planned the day of release together.','Housing Options appointment booked',4,NULL);
INSERT INTO "contact" VALUES('e7055ba6-6396-471c-95cf-a690a2db6631',1,0,'a7aa16c1-8547-4975-83bc-ba87a10c7628','a7aa16c1-8547-4975-83bc-ba87a10c7628','2026-11-28T14:00','East Cambridgeshire','Friend''s flat, Ely','home_visit',0,1,40,'Settling in; worried about money.','Help with the Universal Credit claim',4,NULL);
INSERT INTO "contact" VALUES('c3eb166c-f0c9-4545-85c9-5cb87602105c',1,0,'7ac7c411-c25c-4cfa-b0cd-e7670279310d','7ac7c411-c25c-4cfa-b0cd-e7670279310d','2026-11-23T15:00','Fenland','Hostel, Wisbech','hostel_inreach',0,1,50,'Peer session: talked about the recovery group.','Go to the group together on Thursday',3,NULL);
INSERT INTO "contact" VALUES('4462bf4d-dc66-41ac-9684-011c162d06f3',1,0,'7ac7c411-c25c-4cfa-b0cd-e7670279310d','7ac7c411-c25c-4cfa-b0cd-e7670279310d','2026-11-29T15:00','Fenland','Hostel, Wisbech','hostel_inreach',0,1,40,'Went to the group; Sam spoke for the first time.',NULL,3,NULL);
INSERT INTO "contact" VALUES('370eb051-a54f-4a40-8f8a-0273675b5e29',1,0,'1da09224-24f8-4547-8053-1f454f27a535','1da09224-24f8-4547-8053-1f454f27a535','2026-11-21T07:00','East Cambridgeshire','Riverside path, Ely','street_outreach',1,1,25,'Tent by the river, wet and cold.','StreetLink referral; winter shelter details given',1,NULL);
INSERT INTO "contact" VALUES('5cc64b29-6bd4-4029-b12b-946d929748c5',1,0,'1da09224-24f8-4547-8053-1f454f27a535','1da09224-24f8-4547-8053-1f454f27a535','2026-11-26T08:00','East Cambridgeshire','Riverside path, Ely','street_outreach',0,0,NULL,'Tent still there; Lee not present.',NULL,1,NULL);
CREATE TABLE "device" (
   "id" TEXT PRIMARY KEY,
   "user_id" INTEGER REFERENCES "user"("id"),
   "user_agent" TEXT,
   "created_at" TEXT,
   "last_seen_at" TEXT,
   "revoked_at" TEXT
);
CREATE TABLE "login_session" (
   "token" TEXT PRIMARY KEY,
   "user_id" INTEGER NOT NULL REFERENCES "user"("id"),
   "device_id" TEXT REFERENCES "device"("id"),
   "created_at" TEXT,
   "last_seen_at" TEXT,
   "revoked_at" TEXT
);
CREATE TABLE peer_session (
            id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            scope TEXT NOT NULL,
            person_id TEXT,
            mentor_id INTEGER,
            session_on TEXT,           -- YYYY-MM-DD, the mentor's local date
            duration_minutes INTEGER,
            mode TEXT,
            purpose TEXT,
            note TEXT,
            created_at TEXT
        );
INSERT INTO "peer_session" VALUES('3f67568f-f61a-4ba2-9ff8-aef4356628f6',1,0,'7ac7c411-c25c-4cfa-b0cd-e7670279310d','7ac7c411-c25c-4cfa-b0cd-e7670279310d',3,'2026-11-23',60,'face_to_face','recovery','Talked about the recovery group','2026-12-01T19:43:55Z');
INSERT INTO "peer_session" VALUES('31e05cb1-8ca9-40e2-ac61-775e8aded932',1,0,'7ac7c411-c25c-4cfa-b0cd-e7670279310d','7ac7c411-c25c-4cfa-b0cd-e7670279310d',3,'2026-11-29',90,'group','recovery','Went to the group together; Sam spoke','2026-12-01T19:43:55Z');
INSERT INTO "peer_session" VALUES('c384ba9b-9ff8-42ef-b655-7cfce55ab964',1,0,'395a62cb-6613-4288-b8fc-9bb356ccb33c','395a62cb-6613-4288-b8fc-9bb356ccb33c',3,'2026-11-30',45,'accompanying','services','Went with Dan to the GP about his ID','2026-12-01T19:43:55Z');
INSERT INTO "peer_session" VALUES('3d7478d5-2c23-4c98-8097-2312739119c9',1,0,'395a62cb-6613-4288-b8fc-9bb356ccb33c','395a62cb-6613-4288-b8fc-9bb356ccb33c',3,'2026-11-26',20,'phone','emotional_support',NULL,'2026-12-01T19:43:55Z');
INSERT INTO "peer_session" VALUES('5bfa13b9-a1da-4dce-8ad5-d402c82acae8',1,0,'1da09224-24f8-4547-8053-1f454f27a535','1da09224-24f8-4547-8053-1f454f27a535',3,'2026-11-19',30,'face_to_face','other','Helped Lee move his tent before the flood','2026-12-01T19:43:55Z');
CREATE TABLE "person" (
   "id" TEXT PRIMARY KEY,
   "version" INTEGER NOT NULL,
   "deleted" INTEGER NOT NULL DEFAULT 0,
   "scope" TEXT NOT NULL,
   "display_name" TEXT,
   "description" TEXT,
   "district" TEXT,
   "area" TEXT,
   "team" TEXT,
   "trusted_person_id" INTEGER,
   "created_by" INTEGER,
   "created_at" TEXT
, "aliases" TEXT, "date_of_birth" TEXT, "age_band" TEXT, "gender" TEXT, "ethnicity" TEXT, "homelessness" INTEGER, "mental_health" INTEGER, "offending" INTEGER, "substance_misuse" INTEGER, "domestic_abuse" INTEGER, "known_to_services" TEXT, "housing_situation" TEXT, "agencies" TEXT, "status" TEXT, "engaged_on" TEXT, "exit_destination" TEXT);
INSERT INTO "person" VALUES('395a62cb-6613-4288-b8fc-9bb356ccb33c',3,0,'395a62cb-6613-4288-b8fc-9bb356ccb33c','Dan','Sleeps near the bus station; has a dog','Fenland','Fenland and East Cambridgeshire','Fenland outreach',NULL,1,'2026-12-01T19:43:55Z','Danny',NULL,'35-44','man',NULL,1,NULL,NULL,1,NULL,'no','hostel','Day centre, Wisbech','engaged',NULL,NULL);
INSERT INTO "person" VALUES('9ab82f1c-8fd6-4492-be7d-ac0d16c87b60',1,0,'9ab82f1c-8fd6-4492-be7d-ac0d16c87b60','Woman in green coat','Seen several nights by the church porch, did not give a name','Fenland','Fenland and East Cambridgeshire','Fenland outreach',NULL,2,'2026-12-01T19:43:55Z',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'first_contact',NULL,NULL);
INSERT INTO "person" VALUES('a7aa16c1-8547-4975-83bc-ba87a10c7628',3,0,'a7aa16c1-8547-4975-83bc-ba87a10c7628','Kerry','Recently out of prison; staying with a friend','East Cambridgeshire','Fenland and East Cambridgeshire','Fenland navigators',4,4,'2026-12-01T19:43:55Z',NULL,NULL,NULL,NULL,NULL,1,1,1,NULL,NULL,NULL,'sofa_surfing','Probation Fenland','engaged',NULL,NULL);
INSERT INTO "person" VALUES('7ac7c411-c25c-4cfa-b0cd-e7670279310d',2,0,'7ac7c411-c25c-4cfa-b0cd-e7670279310d','Sam','In the hostel; working on alcohol use','Fenland','Fenland and East Cambridgeshire','Fenland outreach',NULL,3,'2026-12-01T19:43:55Z',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1,NULL,NULL,'hostel',NULL,'referred',NULL,NULL);
INSERT INTO "person" VALUES('1da09224-24f8-4547-8053-1f454f27a535',1,0,'1da09224-24f8-4547-8053-1f454f27a535','Lee','Tent by the river','East Cambridgeshire','Fenland and East Cambridgeshire','Fenland outreach',NULL,1,'2026-12-01T19:43:55Z',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'first_contact',NULL,NULL);
CREATE TABLE person_share (id INTEGER PRIMARY KEY, person_id TEXT NOT NULL, user_id INTEGER NOT NULL, shared_by INTEGER NOT NULL, starts_at TEXT NOT NULL, ends_at TEXT NOT NULL, revoked_at TEXT, reason TEXT);
CREATE TABLE "push_subscription" (
   "id" INTEGER PRIMARY KEY,
   "user_id" INTEGER,
   "device_id" TEXT,
   "endpoint" TEXT,
   "p256dh" TEXT,
   "auth" TEXT,
   "created_at" TEXT,
   "last_sent_at" TEXT
);
CREATE TABLE "setting" (
   "key" TEXT PRIMARY KEY,
   "value" TEXT NOT NULL,
   "updated_at" TEXT,
   "updated_by" INTEGER
);
INSERT INTO "setting" VALUES('outcomes_star_licence','true','2026-12-01T19:43:55Z',NULL);
CREATE TABLE sync_alias (type TEXT NOT NULL, from_id TEXT NOT NULL, to_id TEXT NOT NULL, actor_id INTEGER NOT NULL, merged_at TEXT NOT NULL, PRIMARY KEY (type, from_id));
CREATE TABLE sync_change (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- the server-wide sequence: the cursor
            type TEXT NOT NULL,           -- record type, or '_mark' for a device's scope marker
            record_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            scope TEXT,
            deleted INTEGER NOT NULL DEFAULT 0
        );
INSERT INTO "sync_change" VALUES(1,'person','395a62cb-6613-4288-b8fc-9bb356ccb33c',1,'395a62cb-6613-4288-b8fc-9bb356ccb33c',0);
INSERT INTO "sync_change" VALUES(2,'person','9ab82f1c-8fd6-4492-be7d-ac0d16c87b60',1,'9ab82f1c-8fd6-4492-be7d-ac0d16c87b60',0);
INSERT INTO "sync_change" VALUES(3,'person','a7aa16c1-8547-4975-83bc-ba87a10c7628',1,'a7aa16c1-8547-4975-83bc-ba87a10c7628',0);
INSERT INTO "sync_change" VALUES(4,'person','7ac7c411-c25c-4cfa-b0cd-e7670279310d',1,'7ac7c411-c25c-4cfa-b0cd-e7670279310d',0);
INSERT INTO "sync_change" VALUES(5,'person','1da09224-24f8-4547-8053-1f454f27a535',1,'1da09224-24f8-4547-8053-1f454f27a535',0);
INSERT INTO "sync_change" VALUES(6,'person','a7aa16c1-8547-4975-83bc-ba87a10c7628',2,'a7aa16c1-8547-4975-83bc-ba87a10c7628',0);
INSERT INTO "sync_change" VALUES(7,'person','395a62cb-6613-4288-b8fc-9bb356ccb33c',2,'395a62cb-6613-4288-b8fc-9bb356ccb33c',0);
INSERT INTO "sync_change" VALUES(8,'person','395a62cb-6613-4288-b8fc-9bb356ccb33c',3,'395a62cb-6613-4288-b8fc-9bb356ccb33c',0);
INSERT INTO "sync_change" VALUES(9,'person','a7aa16c1-8547-4975-83bc-ba87a10c7628',3,'a7aa16c1-8547-4975-83bc-ba87a10c7628',0);
INSERT INTO "sync_change" VALUES(10,'person','7ac7c411-c25c-4cfa-b0cd-e7670279310d',2,'7ac7c411-c25c-4cfa-b0cd-e7670279310d',0);
INSERT INTO "sync_change" VALUES(11,'consent','f08955a5-2f8d-4be1-9290-722d524b5eb2',1,'395a62cb-6613-4288-b8fc-9bb356ccb33c',0);
INSERT INTO "sync_change" VALUES(12,'consent','a48e1610-f4c5-4e98-9231-87c8cf747a6b',1,'a7aa16c1-8547-4975-83bc-ba87a10c7628',0);
INSERT INTO "sync_change" VALUES(13,'consent','4a3a21cf-6f8e-4078-93ea-7b62a3f5681e',1,'7ac7c411-c25c-4cfa-b0cd-e7670279310d',0);
INSERT INTO "sync_change" VALUES(14,'contact','b423820a-ecf4-407e-b761-8c65541ab59a',1,'395a62cb-6613-4288-b8fc-9bb356ccb33c',0);
INSERT INTO "sync_change" VALUES(15,'contact','e4a2db17-f8ff-4728-b60e-1a1746367b6c',1,'395a62cb-6613-4288-b8fc-9bb356ccb33c',0);
INSERT INTO "sync_change" VALUES(16,'contact','c9b717d2-d7cf-4d27-83e2-a2ec6b91221c',1,'395a62cb-6613-4288-b8fc-9bb356ccb33c',0);
INSERT INTO "sync_change" VALUES(17,'contact','39fdc51c-4259-4960-ac4c-a742ce1377ab',1,'9ab82f1c-8fd6-4492-be7d-ac0d16c87b60',0);
INSERT INTO "sync_change" VALUES(18,'contact','8ec5c7d7-8b36-4ce7-a663-6af9744e93a4',1,'9ab82f1c-8fd6-4492-be7d-ac0d16c87b60',0);
INSERT INTO "sync_change" VALUES(19,'contact','bb81ec87-f2ee-47ed-be6a-41613a3d558d',1,'a7aa16c1-8547-4975-83bc-ba87a10c7628',0);
INSERT INTO "sync_change" VALUES(20,'contact','e7055ba6-6396-471c-95cf-a690a2db6631',1,'a7aa16c1-8547-4975-83bc-ba87a10c7628',0);
INSERT INTO "sync_change" VALUES(21,'contact','c3eb166c-f0c9-4545-85c9-5cb87602105c',1,'7ac7c411-c25c-4cfa-b0cd-e7670279310d',0);
INSERT INTO "sync_change" VALUES(22,'contact','4462bf4d-dc66-41ac-9684-011c162d06f3',1,'7ac7c411-c25c-4cfa-b0cd-e7670279310d',0);
INSERT INTO "sync_change" VALUES(23,'contact','370eb051-a54f-4a40-8f8a-0273675b5e29',1,'1da09224-24f8-4547-8053-1f454f27a535',0);
INSERT INTO "sync_change" VALUES(24,'contact','5cc64b29-6bd4-4029-b12b-946d929748c5',1,'1da09224-24f8-4547-8053-1f454f27a535',0);
INSERT INTO "sync_change" VALUES(25,'peer_session','3f67568f-f61a-4ba2-9ff8-aef4356628f6',1,'7ac7c411-c25c-4cfa-b0cd-e7670279310d',0);
INSERT INTO "sync_change" VALUES(26,'peer_session','31e05cb1-8ca9-40e2-ac61-775e8aded932',1,'7ac7c411-c25c-4cfa-b0cd-e7670279310d',0);
INSERT INTO "sync_change" VALUES(27,'peer_session','c384ba9b-9ff8-42ef-b655-7cfce55ab964',1,'395a62cb-6613-4288-b8fc-9bb356ccb33c',0);
INSERT INTO "sync_change" VALUES(28,'peer_session','3d7478d5-2c23-4c98-8097-2312739119c9',1,'395a62cb-6613-4288-b8fc-9bb356ccb33c',0);
INSERT INTO "sync_change" VALUES(29,'peer_session','5bfa13b9-a1da-4dce-8ad5-d402c82acae8',1,'1da09224-24f8-4547-8053-1f454f27a535',0);
INSERT INTO "sync_change" VALUES(30,'assessment','868bc012-57a9-4a6e-81b6-f4838b92e4d0',1,'395a62cb-6613-4288-b8fc-9bb356ccb33c',0);
INSERT INTO "sync_change" VALUES(31,'assessment','aa72e06d-5c19-4ed2-afc8-8e2a248b3932',1,'395a62cb-6613-4288-b8fc-9bb356ccb33c',0);
INSERT INTO "sync_change" VALUES(32,'assessment','edc3746f-c1b3-43ce-b888-0c239bfe93b8',1,'395a62cb-6613-4288-b8fc-9bb356ccb33c',0);
INSERT INTO "sync_change" VALUES(33,'assessment','5201111b-3a8d-450b-876a-01f5cb2a046a',1,'395a62cb-6613-4288-b8fc-9bb356ccb33c',0);
INSERT INTO "sync_change" VALUES(34,'assessment','95e0fd38-668b-43fe-a0fc-b5f5361c1357',1,'395a62cb-6613-4288-b8fc-9bb356ccb33c',0);
INSERT INTO "sync_change" VALUES(35,'assessment','b35afd5a-6efa-4b39-aa6e-2d241ef49dd6',1,'a7aa16c1-8547-4975-83bc-ba87a10c7628',0);
INSERT INTO "sync_change" VALUES(36,'assessment','0abc738e-7c72-4496-907d-6a33547b4217',1,'1da09224-24f8-4547-8053-1f454f27a535',0);
CREATE TABLE sync_conflict (
            id INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            record_id TEXT NOT NULL,
            scope TEXT,
            field TEXT NOT NULL,
            base_value TEXT,              -- JSON values
            server_value TEXT,
            incoming_value TEXT,
            mutation_id TEXT NOT NULL,
            actor_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            resolved_at TEXT,
            resolved_by INTEGER
        );
CREATE TABLE sync_deferral (
            mutation_id TEXT PRIMARY KEY,
            first_seen_at TEXT NOT NULL
        );
CREATE TABLE sync_device_scope (
            device_id TEXT NOT NULL,
            scope TEXT NOT NULL,
            seq INTEGER NOT NULL,         -- the marker seq of the answer that carried this change
            present INTEGER NOT NULL,     -- 1: the device was sent this scope; 0: told to drop it
            PRIMARY KEY (device_id, scope, seq)
        );
CREATE TABLE sync_history (
            type TEXT NOT NULL,
            record_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            op TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            fields TEXT NOT NULL,         -- JSON: the whole record as of this version
            actor_id INTEGER NOT NULL,
            device_id TEXT,
            mutation_id TEXT,
            recorded_at TEXT,
            stored_at TEXT NOT NULL,
            PRIMARY KEY (type, record_id, version)
        );
INSERT INTO "sync_history" VALUES('person','395a62cb-6613-4288-b8fc-9bb356ccb33c',1,'create',0,'{"display_name": "Dan", "description": "Sleeps near the bus station; has a dog", "district": "Fenland", "area": "Fenland and East Cambridgeshire", "team": "Fenland outreach", "trusted_person_id": null, "created_by": 1, "created_at": "2026-12-01T19:43:55Z", "aliases": null, "date_of_birth": null, "age_band": null, "gender": null, "ethnicity": null, "homelessness": null, "mental_health": null, "offending": null, "substance_misuse": null, "domestic_abuse": null, "known_to_services": null, "housing_situation": null, "agencies": null, "status": "first_contact", "engaged_on": null, "exit_destination": null}',1,'7f5d089b-2917-551a-ad45-1a9db1d767f5','5fa7f826-726f-4365-8c4f-59f8520addd5','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('person','9ab82f1c-8fd6-4492-be7d-ac0d16c87b60',1,'create',0,'{"display_name": "Woman in green coat", "description": "Seen several nights by the church porch, did not give a name", "district": "Fenland", "area": "Fenland and East Cambridgeshire", "team": "Fenland outreach", "trusted_person_id": null, "created_by": 2, "created_at": "2026-12-01T19:43:55Z", "aliases": null, "date_of_birth": null, "age_band": null, "gender": null, "ethnicity": null, "homelessness": null, "mental_health": null, "offending": null, "substance_misuse": null, "domestic_abuse": null, "known_to_services": null, "housing_situation": null, "agencies": null, "status": "first_contact", "engaged_on": null, "exit_destination": null}',2,'a6411b54-f98b-5d06-bf39-d5af4b27c3cf','e049f604-7fe4-40e2-8a68-fdfeb9ddbf8f','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('person','a7aa16c1-8547-4975-83bc-ba87a10c7628',1,'create',0,'{"display_name": "Kerry", "description": "Recently out of prison; staying with a friend", "district": "East Cambridgeshire", "area": "Fenland and East Cambridgeshire", "team": "Fenland navigators", "trusted_person_id": null, "created_by": 4, "created_at": "2026-12-01T19:43:55Z", "aliases": null, "date_of_birth": null, "age_band": null, "gender": null, "ethnicity": null, "homelessness": null, "mental_health": null, "offending": null, "substance_misuse": null, "domestic_abuse": null, "known_to_services": null, "housing_situation": null, "agencies": null, "status": "first_contact", "engaged_on": null, "exit_destination": null}',4,'9b9d5205-ca12-5cf0-ad95-9d3f6331b447','16374e93-4c15-4569-a9e0-eb16fcc4aa85','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('person','7ac7c411-c25c-4cfa-b0cd-e7670279310d',1,'create',0,'{"display_name": "Sam", "description": "In the hostel; working on alcohol use", "district": "Fenland", "area": "Fenland and East Cambridgeshire", "team": "Fenland outreach", "trusted_person_id": null, "created_by": 3, "created_at": "2026-12-01T19:43:55Z", "aliases": null, "date_of_birth": null, "age_band": null, "gender": null, "ethnicity": null, "homelessness": null, "mental_health": null, "offending": null, "substance_misuse": null, "domestic_abuse": null, "known_to_services": null, "housing_situation": null, "agencies": null, "status": "first_contact", "engaged_on": null, "exit_destination": null}',3,'b230f5e0-c75e-5ce3-8e84-570e1c43a959','395a37f4-973d-4d99-824d-0d01bd999a1f','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('person','1da09224-24f8-4547-8053-1f454f27a535',1,'create',0,'{"display_name": "Lee", "description": "Tent by the river", "district": "East Cambridgeshire", "area": "Fenland and East Cambridgeshire", "team": "Fenland outreach", "trusted_person_id": null, "created_by": 1, "created_at": "2026-12-01T19:43:55Z", "aliases": null, "date_of_birth": null, "age_band": null, "gender": null, "ethnicity": null, "homelessness": null, "mental_health": null, "offending": null, "substance_misuse": null, "domestic_abuse": null, "known_to_services": null, "housing_situation": null, "agencies": null, "status": "first_contact", "engaged_on": null, "exit_destination": null}',1,'7f5d089b-2917-551a-ad45-1a9db1d767f5','08e996a6-88fe-4020-993c-c4418d81d319','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('person','a7aa16c1-8547-4975-83bc-ba87a10c7628',2,'update',0,'{"display_name": "Kerry", "description": "Recently out of prison; staying with a friend", "district": "East Cambridgeshire", "area": "Fenland and East Cambridgeshire", "team": "Fenland navigators", "trusted_person_id": 4, "created_by": 4, "created_at": "2026-12-01T19:43:55Z", "aliases": null, "date_of_birth": null, "age_band": null, "gender": null, "ethnicity": null, "homelessness": null, "mental_health": null, "offending": null, "substance_misuse": null, "domestic_abuse": null, "known_to_services": null, "housing_situation": null, "agencies": null, "status": "first_contact", "engaged_on": null, "exit_destination": null}',5,'50e740f5-9ebb-50e3-9829-f0c5cf80beee','14d387c5-646b-4ce0-8d1f-9d419ab1607f','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('person','395a62cb-6613-4288-b8fc-9bb356ccb33c',2,'update',0,'{"display_name": "Dan", "description": "Sleeps near the bus station; has a dog", "district": "Fenland", "area": "Fenland and East Cambridgeshire", "team": "Fenland outreach", "trusted_person_id": null, "created_by": 1, "created_at": "2026-12-01T19:43:55Z", "aliases": "Danny", "date_of_birth": null, "age_band": "35-44", "gender": "man", "ethnicity": null, "homelessness": true, "mental_health": null, "offending": null, "substance_misuse": true, "domestic_abuse": null, "known_to_services": "no", "housing_situation": "rough_sleeping", "agencies": null, "status": "first_contact", "engaged_on": null, "exit_destination": null}',1,'7f5d089b-2917-551a-ad45-1a9db1d767f5','1a4ca5f3-3ffe-47f1-a5a6-f837e15f67e9','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('person','395a62cb-6613-4288-b8fc-9bb356ccb33c',3,'update',0,'{"display_name": "Dan", "description": "Sleeps near the bus station; has a dog", "district": "Fenland", "area": "Fenland and East Cambridgeshire", "team": "Fenland outreach", "trusted_person_id": null, "created_by": 1, "created_at": "2026-12-01T19:43:55Z", "aliases": "Danny", "date_of_birth": null, "age_band": "35-44", "gender": "man", "ethnicity": null, "homelessness": true, "mental_health": null, "offending": null, "substance_misuse": true, "domestic_abuse": null, "known_to_services": "no", "housing_situation": "hostel", "agencies": "Day centre, Wisbech", "status": "engaged", "engaged_on": null, "exit_destination": null}',2,'a6411b54-f98b-5d06-bf39-d5af4b27c3cf','2253c029-1bb5-4c6b-b367-58628944c810','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('person','a7aa16c1-8547-4975-83bc-ba87a10c7628',3,'update',0,'{"display_name": "Kerry", "description": "Recently out of prison; staying with a friend", "district": "East Cambridgeshire", "area": "Fenland and East Cambridgeshire", "team": "Fenland navigators", "trusted_person_id": 4, "created_by": 4, "created_at": "2026-12-01T19:43:55Z", "aliases": null, "date_of_birth": null, "age_band": null, "gender": null, "ethnicity": null, "homelessness": true, "mental_health": true, "offending": true, "substance_misuse": null, "domestic_abuse": null, "known_to_services": null, "housing_situation": "sofa_surfing", "agencies": "Probation Fenland", "status": "engaged", "engaged_on": null, "exit_destination": null}',4,'9b9d5205-ca12-5cf0-ad95-9d3f6331b447','c648fb01-0763-4967-b9aa-87b5f6017675','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('person','7ac7c411-c25c-4cfa-b0cd-e7670279310d',2,'update',0,'{"display_name": "Sam", "description": "In the hostel; working on alcohol use", "district": "Fenland", "area": "Fenland and East Cambridgeshire", "team": "Fenland outreach", "trusted_person_id": null, "created_by": 3, "created_at": "2026-12-01T19:43:55Z", "aliases": null, "date_of_birth": null, "age_band": null, "gender": null, "ethnicity": null, "homelessness": null, "mental_health": null, "offending": null, "substance_misuse": true, "domestic_abuse": null, "known_to_services": null, "housing_situation": "hostel", "agencies": null, "status": "referred", "engaged_on": null, "exit_destination": null}',3,'b230f5e0-c75e-5ce3-8e84-570e1c43a959','5f9099f0-b1d3-4e75-a101-4b588115b128','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('consent','f08955a5-2f8d-4be1-9290-722d524b5eb2',1,'create',0,'{"person_id": "395a62cb-6613-4288-b8fc-9bb356ccb33c", "recording": true, "share_with": ["cgl"], "given_on": "2026-11-11", "withdrawn": false, "withdrawn_on": null, "note": null, "recorded_by": 1, "created_at": "2026-12-01T19:43:55Z"}',1,'7f5d089b-2917-551a-ad45-1a9db1d767f5','e2b88258-88a2-4016-be82-958fcab15664','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('consent','a48e1610-f4c5-4e98-9231-87c8cf747a6b',1,'create',0,'{"person_id": "a7aa16c1-8547-4975-83bc-ba87a10c7628", "recording": true, "share_with": ["probation-fenland"], "given_on": "2026-11-19", "withdrawn": false, "withdrawn_on": null, "note": null, "recorded_by": 4, "created_at": "2026-12-01T19:43:55Z"}',4,'9b9d5205-ca12-5cf0-ad95-9d3f6331b447','2648478a-e1f1-4410-8ce2-b9d729358a6f','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('consent','4a3a21cf-6f8e-4078-93ea-7b62a3f5681e',1,'create',0,'{"person_id": "7ac7c411-c25c-4cfa-b0cd-e7670279310d", "recording": true, "share_with": ["cgl", "dwp-fenland"], "given_on": "2026-11-23", "withdrawn": false, "withdrawn_on": null, "note": null, "recorded_by": 3, "created_at": "2026-12-01T19:43:55Z"}',3,'b230f5e0-c75e-5ce3-8e84-570e1c43a959','d623a85c-e8d4-4f8b-9a76-30f7e875b94b','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('contact','b423820a-ecf4-407e-b761-8c65541ab59a',1,'create',0,'{"person_id": "395a62cb-6613-4288-b8fc-9bb356ccb33c", "contact_at": "2026-11-22T06:00", "district": "Fenland", "place": "Bus station, Wisbech", "contact_type": "street_outreach", "bedded_down": true, "spoken_to": true, "duration_minutes": 20, "what_happened": "Dan was awake and talked for a while. Dog well.", "action": "Offered a sleeping bag and a hostel referral", "worker_id": 1, "recorded_at": null}',1,'7f5d089b-2917-551a-ad45-1a9db1d767f5','ddcef244-bc37-48b0-bdbc-ddaa4fbe1056','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('contact','e4a2db17-f8ff-4728-b60e-1a1746367b6c',1,'create',0,'{"person_id": "395a62cb-6613-4288-b8fc-9bb356ccb33c", "contact_at": "2026-11-27T07:00", "district": "Fenland", "place": "Bus station, Wisbech", "contact_type": "street_outreach", "bedded_down": true, "spoken_to": false, "duration_minutes": 5, "what_happened": "Asleep; did not wake him.", "action": null, "worker_id": 2, "recorded_at": null}',2,'a6411b54-f98b-5d06-bf39-d5af4b27c3cf','74e5f0ef-47e1-4e67-ad59-a1f8d44300b9','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('contact','c9b717d2-d7cf-4d27-83e2-a2ec6b91221c',1,'create',0,'{"person_id": "395a62cb-6613-4288-b8fc-9bb356ccb33c", "contact_at": "2026-11-30T11:00", "district": "Fenland", "place": "Day centre, Wisbech", "contact_type": "appointment", "bedded_down": false, "spoken_to": true, "duration_minutes": 45, "what_happened": "Talked about getting his ID back.", "action": "Book an appointment for a birth certificate", "worker_id": 3, "recorded_at": null}',3,'b230f5e0-c75e-5ce3-8e84-570e1c43a959','b4c773d7-5add-492a-8094-ff9280a8f24e','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('contact','39fdc51c-4259-4960-ac4c-a742ce1377ab',1,'create',0,'{"person_id": "9ab82f1c-8fd6-4492-be7d-ac0d16c87b60", "contact_at": "2026-11-25T06:00", "district": "Fenland", "place": "Church porch, March", "contact_type": "streetlink", "bedded_down": true, "spoken_to": false, "duration_minutes": 10, "what_happened": "StreetLink alert followed up; she was asleep.", "action": "Report the outcome to StreetLink", "worker_id": 2, "recorded_at": null}',2,'a6411b54-f98b-5d06-bf39-d5af4b27c3cf','454ab962-387e-4986-8900-b3e8d2f51e3b','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('contact','8ec5c7d7-8b36-4ce7-a663-6af9744e93a4',1,'create',0,'{"person_id": "9ab82f1c-8fd6-4492-be7d-ac0d16c87b60", "contact_at": "2026-11-29T06:00", "district": "Fenland", "place": "Church porch, March", "contact_type": "street_outreach", "bedded_down": true, "spoken_to": true, "duration_minutes": 15, "what_happened": "Spoke briefly; she would like a woman worker next time.", "action": "Ask a woman worker to visit", "worker_id": 1, "recorded_at": null}',1,'7f5d089b-2917-551a-ad45-1a9db1d767f5','ed803033-b1d3-4f78-8a3d-75811dac2bfe','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('contact','bb81ec87-f2ee-47ed-be6a-41613a3d558d',1,'create',0,'{"person_id": "a7aa16c1-8547-4975-83bc-ba87a10c7628", "contact_at": "2026-11-19T10:00", "district": "East Cambridgeshire", "place": "HMP Peterborough", "contact_type": "prison_inreach", "bedded_down": false, "spoken_to": true, "duration_minutes": 60, "what_happened": "Planned the day of release together.", "action": "Housing Options appointment booked", "worker_id": 4, "recorded_at": null}',4,'9b9d5205-ca12-5cf0-ad95-9d3f6331b447','e563366d-2037-4486-9961-004a8789208f','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('contact','e7055ba6-6396-471c-95cf-a690a2db6631',1,'create',0,'{"person_id": "a7aa16c1-8547-4975-83bc-ba87a10c7628", "contact_at": "2026-11-28T14:00", "district": "East Cambridgeshire", "place": "Friend''s flat, Ely", "contact_type": "home_visit", "bedded_down": false, "spoken_to": true, "duration_minutes": 40, "what_happened": "Settling in; worried about money.", "action": "Help with the Universal Credit claim", "worker_id": 4, "recorded_at": null}',4,'9b9d5205-ca12-5cf0-ad95-9d3f6331b447','2eb2dd69-5b48-4bb3-b57c-98d9fff5f94a','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('contact','c3eb166c-f0c9-4545-85c9-5cb87602105c',1,'create',0,'{"person_id": "7ac7c411-c25c-4cfa-b0cd-e7670279310d", "contact_at": "2026-11-23T15:00", "district": "Fenland", "place": "Hostel, Wisbech", "contact_type": "hostel_inreach", "bedded_down": false, "spoken_to": true, "duration_minutes": 50, "what_happened": "Peer session: talked about the recovery group.", "action": "Go to the group together on Thursday", "worker_id": 3, "recorded_at": null}',3,'b230f5e0-c75e-5ce3-8e84-570e1c43a959','3c883eea-ca58-4841-9520-9543c279ee13','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('contact','4462bf4d-dc66-41ac-9684-011c162d06f3',1,'create',0,'{"person_id": "7ac7c411-c25c-4cfa-b0cd-e7670279310d", "contact_at": "2026-11-29T15:00", "district": "Fenland", "place": "Hostel, Wisbech", "contact_type": "hostel_inreach", "bedded_down": false, "spoken_to": true, "duration_minutes": 40, "what_happened": "Went to the group; Sam spoke for the first time.", "action": null, "worker_id": 3, "recorded_at": null}',3,'b230f5e0-c75e-5ce3-8e84-570e1c43a959','e7093175-9677-48ea-88d7-425c8d03cebd','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('contact','370eb051-a54f-4a40-8f8a-0273675b5e29',1,'create',0,'{"person_id": "1da09224-24f8-4547-8053-1f454f27a535", "contact_at": "2026-11-21T07:00", "district": "East Cambridgeshire", "place": "Riverside path, Ely", "contact_type": "street_outreach", "bedded_down": true, "spoken_to": true, "duration_minutes": 25, "what_happened": "Tent by the river, wet and cold.", "action": "StreetLink referral; winter shelter details given", "worker_id": 1, "recorded_at": null}',1,'7f5d089b-2917-551a-ad45-1a9db1d767f5','4faa8767-a8b6-427e-80ab-f4b017f96f11','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('contact','5cc64b29-6bd4-4029-b12b-946d929748c5',1,'create',0,'{"person_id": "1da09224-24f8-4547-8053-1f454f27a535", "contact_at": "2026-11-26T08:00", "district": "East Cambridgeshire", "place": "Riverside path, Ely", "contact_type": "street_outreach", "bedded_down": false, "spoken_to": false, "duration_minutes": null, "what_happened": "Tent still there; Lee not present.", "action": null, "worker_id": 1, "recorded_at": null}',1,'7f5d089b-2917-551a-ad45-1a9db1d767f5','37b888cf-2d7a-4643-964f-13765a5e2421','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('peer_session','3f67568f-f61a-4ba2-9ff8-aef4356628f6',1,'create',0,'{"person_id": "7ac7c411-c25c-4cfa-b0cd-e7670279310d", "mentor_id": 3, "session_on": "2026-11-23", "duration_minutes": 60, "mode": "face_to_face", "purpose": "recovery", "note": "Talked about the recovery group", "created_at": "2026-12-01T19:43:55Z"}',3,'b230f5e0-c75e-5ce3-8e84-570e1c43a959','5e9395cb-4064-46dc-ab03-71819ab09387','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('peer_session','31e05cb1-8ca9-40e2-ac61-775e8aded932',1,'create',0,'{"person_id": "7ac7c411-c25c-4cfa-b0cd-e7670279310d", "mentor_id": 3, "session_on": "2026-11-29", "duration_minutes": 90, "mode": "group", "purpose": "recovery", "note": "Went to the group together; Sam spoke", "created_at": "2026-12-01T19:43:55Z"}',3,'b230f5e0-c75e-5ce3-8e84-570e1c43a959','08f95c2e-60e1-4c18-abc6-7cba8b958ed4','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('peer_session','c384ba9b-9ff8-42ef-b655-7cfce55ab964',1,'create',0,'{"person_id": "395a62cb-6613-4288-b8fc-9bb356ccb33c", "mentor_id": 3, "session_on": "2026-11-30", "duration_minutes": 45, "mode": "accompanying", "purpose": "services", "note": "Went with Dan to the GP about his ID", "created_at": "2026-12-01T19:43:55Z"}',3,'b230f5e0-c75e-5ce3-8e84-570e1c43a959','48d6792e-eb72-4a67-99e2-da2571fadc32','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('peer_session','3d7478d5-2c23-4c98-8097-2312739119c9',1,'create',0,'{"person_id": "395a62cb-6613-4288-b8fc-9bb356ccb33c", "mentor_id": 3, "session_on": "2026-11-26", "duration_minutes": 20, "mode": "phone", "purpose": "emotional_support", "note": null, "created_at": "2026-12-01T19:43:55Z"}',3,'b230f5e0-c75e-5ce3-8e84-570e1c43a959','8383d5cb-ae64-4733-b478-e1728c849b2b','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('peer_session','5bfa13b9-a1da-4dce-8ad5-d402c82acae8',1,'create',0,'{"person_id": "1da09224-24f8-4547-8053-1f454f27a535", "mentor_id": 3, "session_on": "2026-11-19", "duration_minutes": 30, "mode": "face_to_face", "purpose": "other", "note": "Helped Lee move his tent before the flood", "created_at": "2026-12-01T19:43:55Z"}',3,'b230f5e0-c75e-5ce3-8e84-570e1c43a959','dc387f46-2f1f-4849-a2b8-90ef7a864282','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('assessment','868bc012-57a9-4a6e-81b6-f4838b92e4d0',1,'create',0,'{"person_id": "395a62cb-6613-4288-b8fc-9bb356ccb33c", "instrument": "ndt", "instrument_version": "1", "assessed_on": "2026-08-03", "status": "final", "scores": {"engagement": 3, "intentional_self_harm": 1, "unintentional_self_harm": 3, "risk_to_others": 3, "risk_from_others": 3, "stress_anxiety": 3, "social_effectiveness": 3, "alcohol_drugs": 4, "impulse_control": 3, "housing": 4}, "notes": {}, "disagree": {}, "from_paper": false, "not_done_reason": null, "assessor_id": 1, "total": 36, "max_total": 48, "created_at": "2026-12-01T19:43:55Z"}',1,'7f5d089b-2917-551a-ad45-1a9db1d767f5','4444653a-7dbf-4015-bd7a-9ac077785392','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('assessment','aa72e06d-5c19-4ed2-afc8-8e2a248b3932',1,'create',0,'{"person_id": "395a62cb-6613-4288-b8fc-9bb356ccb33c", "instrument": "ndt", "instrument_version": "1", "assessed_on": "2026-11-11", "status": "final", "scores": {"engagement": 3, "intentional_self_harm": 1, "unintentional_self_harm": 3, "risk_to_others": 3, "risk_from_others": 3, "stress_anxiety": 2, "social_effectiveness": 3, "alcohol_drugs": 3, "impulse_control": 3, "housing": 2}, "notes": {}, "disagree": {}, "from_paper": false, "not_done_reason": null, "assessor_id": 1, "total": 32, "max_total": 48, "created_at": "2026-12-01T19:43:55Z"}',1,'7f5d089b-2917-551a-ad45-1a9db1d767f5','59b2adc2-cef2-402a-8137-da0957dbb8b1','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('assessment','edc3746f-c1b3-43ce-b888-0c239bfe93b8',1,'create',0,'{"person_id": "395a62cb-6613-4288-b8fc-9bb356ccb33c", "instrument": "homelessness-star", "instrument_version": "3.1", "assessed_on": "2026-08-23", "status": "final", "scores": {"motivation": 3, "self_care": 4, "money": 2, "social_networks": 3, "drug_alcohol": 2, "physical_health": 5, "emotional_health": 3, "meaningful_use_of_time": 2, "tenancy": 1, "offending": 6}, "notes": {"tenancy": "Wants to talk about a hostel place first"}, "disagree": {"offending": true}, "from_paper": true, "not_done_reason": null, "assessor_id": 1, "total": null, "max_total": null, "created_at": "2026-12-01T19:43:55Z"}',1,'7f5d089b-2917-551a-ad45-1a9db1d767f5','e32aff71-132b-4e19-b15e-fa26c9858bbd','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('assessment','5201111b-3a8d-450b-876a-01f5cb2a046a',1,'create',0,'{"person_id": "395a62cb-6613-4288-b8fc-9bb356ccb33c", "instrument": "homelessness-star", "instrument_version": "3.1", "assessed_on": "2026-11-16", "status": "final", "scores": {"motivation": 5, "self_care": 5, "money": 3, "social_networks": 4, "drug_alcohol": 3, "physical_health": 5, "emotional_health": 4, "meaningful_use_of_time": 4, "tenancy": 3, "offending": 7}, "notes": {"tenancy": "Wants to talk about a hostel place first"}, "disagree": {"offending": true}, "from_paper": false, "not_done_reason": null, "assessor_id": 1, "total": null, "max_total": null, "created_at": "2026-12-01T19:43:55Z"}',1,'7f5d089b-2917-551a-ad45-1a9db1d767f5','2997a38a-0bb0-4cfd-b29a-317f3fb5a0d3','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('assessment','95e0fd38-668b-43fe-a0fc-b5f5361c1357',1,'create',0,'{"person_id": "395a62cb-6613-4288-b8fc-9bb356ccb33c", "instrument": "homelessness-star", "instrument_version": "3.1", "assessed_on": "2026-12-01", "status": "draft", "scores": {"motivation": 6, "self_care": 5, "money": 4}, "notes": {"tenancy": "Wants to talk about a hostel place first"}, "disagree": {"offending": true}, "from_paper": false, "not_done_reason": null, "assessor_id": 1, "total": null, "max_total": null, "created_at": "2026-12-01T19:43:55Z"}',1,'7f5d089b-2917-551a-ad45-1a9db1d767f5','f48c7a96-326f-45e3-af9d-90b6956599b6','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('assessment','b35afd5a-6efa-4b39-aa6e-2d241ef49dd6',1,'create',0,'{"person_id": "a7aa16c1-8547-4975-83bc-ba87a10c7628", "instrument": "ndt", "instrument_version": "1", "assessed_on": "2026-08-23", "status": "final", "scores": {"engagement": 2, "intentional_self_harm": 0, "unintentional_self_harm": 1, "risk_to_others": 2, "risk_from_others": 3, "stress_anxiety": 3, "social_effectiveness": 2, "alcohol_drugs": 2, "impulse_control": 2, "housing": 3}, "notes": {}, "disagree": {}, "from_paper": false, "not_done_reason": null, "assessor_id": 4, "total": 25, "max_total": 48, "created_at": "2026-12-01T19:43:55Z"}',4,'9b9d5205-ca12-5cf0-ad95-9d3f6331b447','5be0e2e8-001d-4799-b608-666ddd64690c','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_history" VALUES('assessment','0abc738e-7c72-4496-907d-6a33547b4217',1,'create',0,'{"person_id": "1da09224-24f8-4547-8053-1f454f27a535", "instrument": "ndt", "instrument_version": "1", "assessed_on": "2026-11-26", "status": "not_done", "scores": {}, "notes": {}, "disagree": {}, "from_paper": false, "not_done_reason": "Lee was not at the tent on the day it was due", "assessor_id": 1, "total": null, "max_total": 48, "created_at": "2026-12-01T19:43:55Z"}',1,'7f5d089b-2917-551a-ad45-1a9db1d767f5','57013c59-4b4e-4d1a-97d0-e653c9f6e548','2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
CREATE TABLE sync_mutation (
            id TEXT PRIMARY KEY,          -- the phone-made mutation id
            device_id TEXT NOT NULL,
            actor_id INTEGER NOT NULL,
            type TEXT NOT NULL,
            op TEXT NOT NULL,
            record_id TEXT NOT NULL,
            status TEXT NOT NULL,         -- applied | conflict: the first answer, repeated on replay
            version INTEGER NOT NULL,
            recorded_at TEXT,             -- the phone's clock: shown, never used for ordering
            received_at TEXT NOT NULL
        );
INSERT INTO "sync_mutation" VALUES('5fa7f826-726f-4365-8c4f-59f8520addd5','7f5d089b-2917-551a-ad45-1a9db1d767f5',1,'person','create','395a62cb-6613-4288-b8fc-9bb356ccb33c','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('e049f604-7fe4-40e2-8a68-fdfeb9ddbf8f','a6411b54-f98b-5d06-bf39-d5af4b27c3cf',2,'person','create','9ab82f1c-8fd6-4492-be7d-ac0d16c87b60','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('16374e93-4c15-4569-a9e0-eb16fcc4aa85','9b9d5205-ca12-5cf0-ad95-9d3f6331b447',4,'person','create','a7aa16c1-8547-4975-83bc-ba87a10c7628','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('395a37f4-973d-4d99-824d-0d01bd999a1f','b230f5e0-c75e-5ce3-8e84-570e1c43a959',3,'person','create','7ac7c411-c25c-4cfa-b0cd-e7670279310d','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('08e996a6-88fe-4020-993c-c4418d81d319','7f5d089b-2917-551a-ad45-1a9db1d767f5',1,'person','create','1da09224-24f8-4547-8053-1f454f27a535','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('14d387c5-646b-4ce0-8d1f-9d419ab1607f','50e740f5-9ebb-50e3-9829-f0c5cf80beee',5,'person','update','a7aa16c1-8547-4975-83bc-ba87a10c7628','applied',2,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('1a4ca5f3-3ffe-47f1-a5a6-f837e15f67e9','7f5d089b-2917-551a-ad45-1a9db1d767f5',1,'person','update','395a62cb-6613-4288-b8fc-9bb356ccb33c','applied',2,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('2253c029-1bb5-4c6b-b367-58628944c810','a6411b54-f98b-5d06-bf39-d5af4b27c3cf',2,'person','update','395a62cb-6613-4288-b8fc-9bb356ccb33c','applied',3,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('c648fb01-0763-4967-b9aa-87b5f6017675','9b9d5205-ca12-5cf0-ad95-9d3f6331b447',4,'person','update','a7aa16c1-8547-4975-83bc-ba87a10c7628','applied',3,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('5f9099f0-b1d3-4e75-a101-4b588115b128','b230f5e0-c75e-5ce3-8e84-570e1c43a959',3,'person','update','7ac7c411-c25c-4cfa-b0cd-e7670279310d','applied',2,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('e2b88258-88a2-4016-be82-958fcab15664','7f5d089b-2917-551a-ad45-1a9db1d767f5',1,'consent','create','f08955a5-2f8d-4be1-9290-722d524b5eb2','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('2648478a-e1f1-4410-8ce2-b9d729358a6f','9b9d5205-ca12-5cf0-ad95-9d3f6331b447',4,'consent','create','a48e1610-f4c5-4e98-9231-87c8cf747a6b','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('d623a85c-e8d4-4f8b-9a76-30f7e875b94b','b230f5e0-c75e-5ce3-8e84-570e1c43a959',3,'consent','create','4a3a21cf-6f8e-4078-93ea-7b62a3f5681e','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('ddcef244-bc37-48b0-bdbc-ddaa4fbe1056','7f5d089b-2917-551a-ad45-1a9db1d767f5',1,'contact','create','b423820a-ecf4-407e-b761-8c65541ab59a','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('74e5f0ef-47e1-4e67-ad59-a1f8d44300b9','a6411b54-f98b-5d06-bf39-d5af4b27c3cf',2,'contact','create','e4a2db17-f8ff-4728-b60e-1a1746367b6c','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('b4c773d7-5add-492a-8094-ff9280a8f24e','b230f5e0-c75e-5ce3-8e84-570e1c43a959',3,'contact','create','c9b717d2-d7cf-4d27-83e2-a2ec6b91221c','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('454ab962-387e-4986-8900-b3e8d2f51e3b','a6411b54-f98b-5d06-bf39-d5af4b27c3cf',2,'contact','create','39fdc51c-4259-4960-ac4c-a742ce1377ab','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('ed803033-b1d3-4f78-8a3d-75811dac2bfe','7f5d089b-2917-551a-ad45-1a9db1d767f5',1,'contact','create','8ec5c7d7-8b36-4ce7-a663-6af9744e93a4','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('e563366d-2037-4486-9961-004a8789208f','9b9d5205-ca12-5cf0-ad95-9d3f6331b447',4,'contact','create','bb81ec87-f2ee-47ed-be6a-41613a3d558d','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('2eb2dd69-5b48-4bb3-b57c-98d9fff5f94a','9b9d5205-ca12-5cf0-ad95-9d3f6331b447',4,'contact','create','e7055ba6-6396-471c-95cf-a690a2db6631','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('3c883eea-ca58-4841-9520-9543c279ee13','b230f5e0-c75e-5ce3-8e84-570e1c43a959',3,'contact','create','c3eb166c-f0c9-4545-85c9-5cb87602105c','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('e7093175-9677-48ea-88d7-425c8d03cebd','b230f5e0-c75e-5ce3-8e84-570e1c43a959',3,'contact','create','4462bf4d-dc66-41ac-9684-011c162d06f3','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('4faa8767-a8b6-427e-80ab-f4b017f96f11','7f5d089b-2917-551a-ad45-1a9db1d767f5',1,'contact','create','370eb051-a54f-4a40-8f8a-0273675b5e29','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('37b888cf-2d7a-4643-964f-13765a5e2421','7f5d089b-2917-551a-ad45-1a9db1d767f5',1,'contact','create','5cc64b29-6bd4-4029-b12b-946d929748c5','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('5e9395cb-4064-46dc-ab03-71819ab09387','b230f5e0-c75e-5ce3-8e84-570e1c43a959',3,'peer_session','create','3f67568f-f61a-4ba2-9ff8-aef4356628f6','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('08f95c2e-60e1-4c18-abc6-7cba8b958ed4','b230f5e0-c75e-5ce3-8e84-570e1c43a959',3,'peer_session','create','31e05cb1-8ca9-40e2-ac61-775e8aded932','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('48d6792e-eb72-4a67-99e2-da2571fadc32','b230f5e0-c75e-5ce3-8e84-570e1c43a959',3,'peer_session','create','c384ba9b-9ff8-42ef-b655-7cfce55ab964','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('8383d5cb-ae64-4733-b478-e1728c849b2b','b230f5e0-c75e-5ce3-8e84-570e1c43a959',3,'peer_session','create','3d7478d5-2c23-4c98-8097-2312739119c9','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('dc387f46-2f1f-4849-a2b8-90ef7a864282','b230f5e0-c75e-5ce3-8e84-570e1c43a959',3,'peer_session','create','5bfa13b9-a1da-4dce-8ad5-d402c82acae8','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('4444653a-7dbf-4015-bd7a-9ac077785392','7f5d089b-2917-551a-ad45-1a9db1d767f5',1,'assessment','create','868bc012-57a9-4a6e-81b6-f4838b92e4d0','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('59b2adc2-cef2-402a-8137-da0957dbb8b1','7f5d089b-2917-551a-ad45-1a9db1d767f5',1,'assessment','create','aa72e06d-5c19-4ed2-afc8-8e2a248b3932','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('e32aff71-132b-4e19-b15e-fa26c9858bbd','7f5d089b-2917-551a-ad45-1a9db1d767f5',1,'assessment','create','edc3746f-c1b3-43ce-b888-0c239bfe93b8','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('2997a38a-0bb0-4cfd-b29a-317f3fb5a0d3','7f5d089b-2917-551a-ad45-1a9db1d767f5',1,'assessment','create','5201111b-3a8d-450b-876a-01f5cb2a046a','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('f48c7a96-326f-45e3-af9d-90b6956599b6','7f5d089b-2917-551a-ad45-1a9db1d767f5',1,'assessment','create','95e0fd38-668b-43fe-a0fc-b5f5361c1357','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('5be0e2e8-001d-4799-b608-666ddd64690c','9b9d5205-ca12-5cf0-ad95-9d3f6331b447',4,'assessment','create','b35afd5a-6efa-4b39-aa6e-2d241ef49dd6','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
INSERT INTO "sync_mutation" VALUES('57013c59-4b4e-4d1a-97d0-e653c9f6e548','7f5d089b-2917-551a-ad45-1a9db1d767f5',1,'assessment','create','0abc738e-7c72-4496-907d-6a33547b4217','applied',1,'2026-12-01T19:43:55Z','2026-12-01T19:43:55+00:00');
CREATE TABLE "user" (
   "id" INTEGER PRIMARY KEY,
   "username" TEXT NOT NULL,
   "display_name" TEXT,
   "role" TEXT NOT NULL,
   "team" TEXT,
   "area" TEXT,
   "password_hash" TEXT NOT NULL,
   "active" INTEGER NOT NULL DEFAULT 1,
   "created_at" TEXT
, "agency" TEXT);
INSERT INTO "user" VALUES(1,'outreach','Olu Adeyemi','outreach_worker','Fenland outreach','Fenland and East Cambridgeshire','$argon2id$v=19$m=65536,t=3,p=4$7GGklkg+ZAAMYNxoNa3W7Q$C31NwMepAn8kxe++ECEvH5C3XOtEjuERUUGEK1knEB4',1,'2026-12-01T19:43:54Z',NULL);
INSERT INTO "user" VALUES(2,'outreach2','Priya Shah','outreach_worker','Fenland outreach','Fenland and East Cambridgeshire','$argon2id$v=19$m=65536,t=3,p=4$EsSgWfFPwqLHV0IgbKKZ+w$maKefXCPwnjpN6W5CRup0+51YOSk6xK6DRpNXz+XAxY',1,'2026-12-01T19:43:54Z',NULL);
INSERT INTO "user" VALUES(3,'peer','Pete Walsh','peer_mentor','Fenland outreach','Fenland and East Cambridgeshire','$argon2id$v=19$m=65536,t=3,p=4$NweAdRgvTRl748qj/LSKog$BS2df1WJsBu8UaNNIRKX+bc8XnViQsE4iXN22cqpSb8',1,'2026-12-01T19:43:54Z',NULL);
INSERT INTO "user" VALUES(4,'navigator','Nina Clarke','trusted_person','Fenland navigators','Fenland and East Cambridgeshire','$argon2id$v=19$m=65536,t=3,p=4$FJZASdFEkKshJM4YUPlJlg$JHW/hNyHwzklcVfhuemh9ugMGTaI8MV9F+fBNqKsnSg',1,'2026-12-01T19:43:55Z',NULL);
INSERT INTO "user" VALUES(5,'coordinator','Chris Morgan','coordinator',NULL,'Fenland and East Cambridgeshire','$argon2id$v=19$m=65536,t=3,p=4$oBrXlCuaLuycU1NYMTcJ+A$Oyjn/GEwhd1XSquB1eR3xzQdwYznat0LfzbtUPz0iO8',1,'2026-12-01T19:43:55Z',NULL);
INSERT INTO "user" VALUES(6,'partner','Gail Ford','partner_agency',NULL,'Fenland and East Cambridgeshire','$argon2id$v=19$m=65536,t=3,p=4$tWi7lY4MuuDEnSzIOBbdRQ$kIlrRCg2AHdeH0K1gDxeFPpRgfDGpeaF8wVmdADBbYY',1,'2026-12-01T19:43:55Z','cgl');
INSERT INTO "user" VALUES(7,'admin','Ada Admin','admin',NULL,NULL,'$argon2id$v=19$m=65536,t=3,p=4$mR9K9Pk0rypeppdRZlj7fw$JlT9USO9AGSCZ1pbHW1ME16k2w1oolBWG46DCKafdXY',1,'2026-12-01T19:43:55Z',NULL);
CREATE TABLE "view" (
   "id" TEXT PRIMARY KEY,
   "version" INTEGER NOT NULL,
   "deleted" INTEGER NOT NULL DEFAULT 0,
   "scope" TEXT NOT NULL,
   "person_id" TEXT,
   "viewed_at" TEXT,
   "page" TEXT,
   "user_id" INTEGER,
   "received_at" TEXT
);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE INDEX sync_change_scope ON sync_change (scope, seq);
CREATE INDEX sync_conflict_scope ON sync_conflict (scope, resolved_at);
CREATE UNIQUE INDEX "idx_user_username"
    ON "user" ("username");
CREATE INDEX "idx_login_session_user_id"
    ON "login_session" ("user_id");
CREATE INDEX "idx_device_user_id"
    ON "device" ("user_id");
CREATE INDEX "idx_contact_person_id"
    ON "contact" ("person_id");
CREATE INDEX "idx_person_team"
    ON "person" ("team");
CREATE INDEX "idx_person_area"
    ON "person" ("area");
CREATE INDEX "idx_person_trusted_person_id"
    ON "person" ("trusted_person_id");
CREATE INDEX "idx_assessment_person_id_instrument_assessed_on"
    ON "assessment" ("person_id", "instrument", "assessed_on");
CREATE INDEX "idx_assessment_status"
    ON "assessment" ("status");
CREATE INDEX person_share_user ON person_share (user_id, person_id);
CREATE INDEX "idx_consent_person_id_given_on"
    ON "consent" ("person_id", "given_on");
CREATE INDEX "idx_view_person_id"
    ON "view" ("person_id");
CREATE INDEX "idx_view_user_id"
    ON "view" ("user_id");
CREATE INDEX audit_event_person ON audit_event (person_id, at);
CREATE INDEX audit_event_user ON audit_event (user_id, at);
CREATE INDEX sync_history_actor ON sync_history (actor_id, stored_at);
CREATE UNIQUE INDEX "idx_push_subscription_endpoint"
    ON "push_subscription" ("endpoint");
CREATE INDEX "idx_push_subscription_user_id"
    ON "push_subscription" ("user_id");
CREATE INDEX peer_session_person ON peer_session (person_id);
CREATE INDEX peer_session_mentor ON peer_session (mentor_id, session_on);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('sync_change',36);
COMMIT;
