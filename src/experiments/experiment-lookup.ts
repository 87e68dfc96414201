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

/**
 * Resolves many `:idOrKey` references with ONE query (the same precedence as findExperimentByIdOrKey:
 * an id match wins over a key match). References that match nothing are absent from the map.
 */
export async function findExperimentsByIdsOrKeys(manager: EntityManager, refs: readonly string[]): Promise<Map<string, ExperimentEntity>> {
  const found = new Map<string, ExperimentEntity>();
  if (refs.length === 0) return found;
  const ids = [...new Set(refs.filter(isUuid).map((ref) => ref.toLowerCase()))];
  const query = manager.createQueryBuilder(ExperimentEntity, 'e').where('e.key IN (:...keys)', { keys: [...new Set(refs)] });
  if (ids.length > 0) query.orWhere('e.id IN (:...ids)', { ids });
  const rows = await query.getMany();
  const byId = new Map(rows.map((e) => [e.id, e]));
  const byKey = new Map(rows.map((e) => [e.key, e]));
  for (const ref of refs) {
    const experiment = (isUuid(ref) ? byId.get(ref.toLowerCase()) : undefined) ?? byKey.get(ref);
    if (experiment) found.set(ref, experiment);
  }
  return found;
}
