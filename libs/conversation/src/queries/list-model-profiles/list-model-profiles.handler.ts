import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { keysetPage, ModelProfileEntity, type KeysetPage } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ModelProfileRepository } from '../../profiles/model-profile.repository.js';
import { GetModelProfileQuery, ListModelProfilesQuery } from './list-model-profiles.query.js';

// The default first, then by name (unique), then id: one direction, so one row comparison.
const order = {
  keys: [
    { expr: 'CASE WHEN p.is_default THEN 0 ELSE 1 END', type: 'int' },
    { expr: 'p.name', type: 'text' },
    { expr: 'p.id', type: 'uuid' },
  ],
  direction: 'ASC',
} as const;

@QueryHandler(ListModelProfilesQuery)
export class ListModelProfilesHandler implements IQueryHandler<
  ListModelProfilesQuery,
  KeysetPage<ModelProfileEntity>
> {
  constructor(private readonly dataSource: DataSource) {}

  execute({ page }: ListModelProfilesQuery): Promise<KeysetPage<ModelProfileEntity>> {
    const query = this.dataSource.getRepository(ModelProfileEntity).createQueryBuilder('p');
    return keysetPage(query, order, page, (profile) => profile);
  }
}

@QueryHandler(GetModelProfileQuery)
export class GetModelProfileHandler implements IQueryHandler<GetModelProfileQuery, ModelProfileEntity> {
  constructor(private readonly profiles: ModelProfileRepository) {}

  execute({ idOrName }: GetModelProfileQuery): Promise<ModelProfileEntity> {
    return this.profiles.find(idOrName);
  }
}
