/** Who acts on the requeue: an admin key of a tenant; an operator may act on every tenant's items. */
export interface Actor {
  tenantId: string;
  keyId: string;
  role: 'admin' | 'user';
  operator: boolean;
}
