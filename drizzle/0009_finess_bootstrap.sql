ALTER TABLE "structures" ADD COLUMN "to_confirm" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "structures" ADD COLUMN "confirmed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "structures" ADD COLUMN "confirmed_by" text;--> statement-breakpoint
ALTER TABLE "structures" ADD COLUMN "source" text;--> statement-breakpoint
ALTER TABLE "structures" ADD COLUMN "source_synced_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "structures" ADD COLUMN "source_date" date;