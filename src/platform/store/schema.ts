// The metadata store's tables as kysely sees them. Column names are snake_case in SQL, as PostgreSQL expects.
import type { Role } from '../../common/contract.ts';

export interface UsersTable {
  id: string;
  display_name: string;
  role: Role;
}

export interface ProjectsTable {
  id: string;
  name: string;
  purpose: string;
}

export interface ProjectMembersTable {
  project_id: string;
  user_id: string;
}

export interface ProjectDatasetsTable {
  project_id: string;
  dataset_id: string;
  /** The order the project lists its datasets in. */
  position: number;
}

export interface DatasetsTable {
  id: string;
  name: string;
  description: string;
  /** JSON array of column names that order a sample deterministically. */
  order_key: string;
}

export interface FieldsTable {
  dataset_id: string;
  /** The field's place in the dataset, from 0: catalogue and samples list fields in this order. */
  position: number;
  name: string;
  type: string;
  description: string;
  /** JSON array of FieldTag. */
  tags: string;
}

export interface MetadataDatabase {
  users: UsersTable;
  projects: ProjectsTable;
  project_members: ProjectMembersTable;
  project_datasets: ProjectDatasetsTable;
  datasets: DatasetsTable;
  fields: FieldsTable;
}
