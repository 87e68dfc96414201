import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook subscriptions and the delivery outbox (docs/webhooks.md). A delivery row is written in the
 * transaction of the change it reports; senders on every replica claim due rows with
 * `FOR UPDATE SKIP LOCKED`. `body` holds the exact bytes sent (and signed) on every attempt.
 */
export class Webhooks1795431800000 implements MigrationInterface {
  name = 'Webhooks1795431800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE webhook_subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url text NOT NULL,
        events text[] NOT NULL,
        format text NOT NULL DEFAULT 'standard',
        description text,
        active boolean NOT NULL DEFAULT true,
        secret text NOT NULL,
        previous_secret text,
        previous_secret_expires_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT webhook_subscriptions_url_length CHECK (char_length(url) BETWEEN 1 AND 2048),
        CONSTRAINT webhook_subscriptions_events_count CHECK (cardinality(events) BETWEEN 1 AND 50),
        CONSTRAINT webhook_subscriptions_format_valid CHECK (format IN ('standard', 'slack')),
        CONSTRAINT webhook_subscriptions_description_length CHECK (description IS NULL OR char_length(description) <= 500),
        CONSTRAINT webhook_subscriptions_secret_prefix CHECK (secret LIKE 'whsec\\_%'),
        CONSTRAINT webhook_subscriptions_previous_secret_pair CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX webhook_subscriptions_created_idx ON webhook_subscriptions (created_at DESC, id DESC)`);

    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscription_id uuid REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
        target_url text,
        event text NOT NULL,
        body text NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        last_attempt_at timestamptz,
        last_status_code integer,
        last_error text,
        created_at timestamptz NOT NULL,
        delivered_at timestamptz,
        CONSTRAINT webhook_deliveries_target CHECK ((subscription_id IS NULL) <> (target_url IS NULL)),
        CONSTRAINT webhook_deliveries_status_valid CHECK (status IN ('pending', 'delivered', 'failed')),
        CONSTRAINT webhook_deliveries_attempts_range CHECK (attempts >= 0),
        CONSTRAINT webhook_deliveries_delivered_at CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
      )`);
    // What every sender polls: due pending rows, oldest first.
    await queryRunner.query(`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`);
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, created_at DESC, id DESC)`,
    );
    // Pruning of finished deliveries and the oldest-pending gauge.
    await queryRunner.query(`CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
    await queryRunner.query(`DROP TABLE webhook_subscriptions`);
  }
}
