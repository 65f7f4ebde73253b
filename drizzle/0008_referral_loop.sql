CREATE TABLE "invitations" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"structure_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"orientation_id" text,
	"key" text NOT NULL,
	"kind" text NOT NULL,
	"recipients" text[] NOT NULL,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"claimed_at" timestamp with time zone,
	"transport" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "structure_members" (
	"structure_id" text NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	CONSTRAINT "structure_members_structure_id_user_id_pk" PRIMARY KEY("structure_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "structure_id" text;--> statement-breakpoint
ALTER TABLE "orientation_events" ADD COLUMN "reason_code" text;--> statement-breakpoint
ALTER TABLE "orientation_events" ADD COLUMN "by_structure" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "orientation_events" ADD COLUMN "admission" jsonb;--> statement-breakpoint
ALTER TABLE "orientations" ADD COLUMN "previous_id" text;--> statement-breakpoint
ALTER TABLE "territories" ADD COLUMN "reminder_days" integer DEFAULT 10 NOT NULL;--> statement-breakpoint
ALTER TABLE "territories" ADD COLUMN "expiry_days" integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "unplaced" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_structure_id_structures_id_fk" FOREIGN KEY ("structure_id") REFERENCES "public"."structures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_orientation_id_orientations_id_fk" FOREIGN KEY ("orientation_id") REFERENCES "public"."orientations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "structure_members" ADD CONSTRAINT "structure_members_structure_id_structures_id_fk" FOREIGN KEY ("structure_id") REFERENCES "public"."structures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "structure_members" ADD CONSTRAINT "structure_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "invitations_user" ON "invitations" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_orientation_key" ON "notifications" USING btree ("orientation_id","key");--> statement-breakpoint
CREATE INDEX "notifications_pending" ON "notifications" USING btree ("sent_at");--> statement-breakpoint
CREATE INDEX "structure_members_user" ON "structure_members" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_structure_id_structures_id_fk" FOREIGN KEY ("structure_id") REFERENCES "public"."structures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orientations" ADD CONSTRAINT "orientations_previous_id_orientations_id_fk" FOREIGN KEY ("previous_id") REFERENCES "public"."orientations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "orientations_previous" ON "orientations" USING btree ("previous_id");--> statement-breakpoint
CREATE INDEX "orientations_structure_status" ON "orientations" USING btree ("structure_id","status");