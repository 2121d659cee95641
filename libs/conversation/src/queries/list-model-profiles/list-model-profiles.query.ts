import { Query } from '@nestjs/cqrs';
import { type KeysetPage, type ModelProfileEntity, type PageRequest } from '#soma/persistence';

/** Every profile, the default first, then by name, a page at a time. */
export class ListModelProfilesQuery extends Query<KeysetPage<ModelProfileEntity>> {
  constructor(readonly page: PageRequest) {
    super();
  }
}

export class GetModelProfileQuery extends Query<ModelProfileEntity> {
  constructor(readonly idOrName: string) {
    super();
  }
}
