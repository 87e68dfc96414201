import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Mirrors the `events` table; writes and aggregates go through the SQL in event.store.ts. */
@Entity({ name: 'events' })
export class EventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('uuid')
  experimentId: string;

  @Column('text')
  userId: string;

  /** The user's variant when the event arrived (assignments never change, so this is theirs). */
  @Column('text')
  variant: string;

  @Column('text')
  eventName: string;

  @Column('double precision')
  value: number;

  @Column('jsonb', { nullable: true })
  properties: Record<string, unknown> | null;

  /** The client's idempotency key, unique per experiment. */
  @Column('text', { nullable: true })
  eventId: string | null;

  /** The event's `timestamp` as the client sent it (default: when it arrived). */
  @Column('timestamptz')
  occurredAt: Date;

  @Column('timestamptz')
  receivedAt: Date;
}
