import { Query } from '@nestjs/cqrs';
import { type Dashboard } from './dashboard.view.js';

/** The dashboard's panels over the last `minutes`, from Prometheus. */
export class GetDashboardQuery extends Query<Dashboard> {
  constructor(
    readonly minutes: number,
    /** Unix seconds; the end of the window. */
    readonly now: number,
  ) {
    super();
  }
}
