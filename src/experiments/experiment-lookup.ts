import { EntityManager } from 'typeorm';
import { isUuid } from '../common/ids';
import { ExperimentEntity } from './experiment.entity';

/**
 * Finds an experiment by `:idOrKey`. Ids are UUIDs and keys are slugs; a non-UUID value is only
 * compared with keys, so it never reaches PostgreSQL as an invalid uuid. A key that happens to look
 * like another experiment's id loses to that id.
 */
export async function findExperimentByIdOrKey(
  manager: EntityManager,
  idOrKey: string,
  options: { forUpdate?: boolean } = {},
): Promise<ExperimentEntity | null> {
  const query = manager.createQueryBuilder(ExperimentEntity, 'e');
  if (isUuid(idOrKey)) {
    query.where('e.id = :id OR e.key = :key', { id: idOrKey.toLowerCase(), key: idOrKey });
  } else {
    query.where('e.key = :key', { key: idOrKey });
  }
  if (options.forUpdate) query.setLock('pessimistic_write');
  const found = await query.getMany();
  return found.find((e) => e.id === idOrKey.toLowerCase()) ?? found[0] ?? null;
}
