// Schema changes as kysely migrations, declared in code so they travel with the build. Only portable DDL
// (no SQLite-only types), so the same migrations can run on PostgreSQL.
import type { Kysely } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';

const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('users')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('role', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('projects')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('datasets')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('order_key', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('fields')
      .addColumn('dataset_id', 'varchar(64)', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('type', 'varchar(64)', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('fields_pk', ['dataset_id', 'name'])
      .addUniqueConstraint('fields_position_unique', ['dataset_id', 'position'])
      .execute();
    await db.schema
      .createTable('project_members')
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'user_id'])
      .execute();
    await db.schema.createIndex('project_members_by_user').on('project_members').column('user_id').execute();
    await db.schema
      .createTable('project_datasets')
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('dataset_id', 'varchar(64)', (c) => c.notNull().references('datasets.id').onDelete('restrict'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('project_datasets_pk', ['project_id', 'dataset_id'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['project_datasets', 'project_members', 'fields', 'datasets', 'projects', 'users']) {
      await db.schema.dropTable(table).execute();
    }
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return { '0001_initial': initial };
  },
};
