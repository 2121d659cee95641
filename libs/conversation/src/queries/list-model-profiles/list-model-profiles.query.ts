import { Query } from '@nestjs/cqrs';
import { type ModelProfileEntity } from '#soma/persistence';

export class ListModelProfilesQuery extends Query<ModelProfileEntity[]> {}

export class GetModelProfileQuery extends Query<ModelProfileEntity> {
  constructor(readonly idOrName: string) {
    super();
  }
}
