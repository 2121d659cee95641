export * from './page-cursors.js';
export * from './page-query.dto.js';
export * from './page.dto.js';
