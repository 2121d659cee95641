import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ModelProfileEntity } from '#soma/persistence';
import { DataSource } from 'typeorm';
import { ModelProfileRepository } from '../../profiles/model-profile.repository.js';
import { GetModelProfileQuery, ListModelProfilesQuery } from './list-model-profiles.query.js';

@QueryHandler(ListModelProfilesQuery)
export class ListModelProfilesHandler implements IQueryHandler<ListModelProfilesQuery, ModelProfileEntity[]> {
  constructor(private readonly dataSource: DataSource) {}

  execute(): Promise<ModelProfileEntity[]> {
    return this.dataSource
      .getRepository(ModelProfileEntity)
      .find({ order: { isDefault: 'DESC', name: 'ASC' } });
  }
}

@QueryHandler(GetModelProfileQuery)
export class GetModelProfileHandler implements IQueryHandler<GetModelProfileQuery, ModelProfileEntity> {
  constructor(private readonly profiles: ModelProfileRepository) {}

  execute({ idOrName }: GetModelProfileQuery): Promise<ModelProfileEntity> {
    return this.profiles.find(idOrName);
  }
}
