ALTER TABLE "orientations" ADD COLUMN "handicap" boolean;--> statement-breakpoint
ALTER TABLE "orientations" ADD COLUMN "case_management_reason" text;--> statement-breakpoint
ALTER TABLE "structure_communes" ADD COLUMN "partial" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "structures" ADD COLUMN "handicap" text DEFAULT 'any' NOT NULL;