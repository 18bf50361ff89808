// Picking the project: everything after (catalogue, samples) is seen through that project's agreement.
import type { Project } from '../../../src/common/contract.ts';

export function ProjectPicker(props: { projects: Project[] | null; selectedId: string | null; onSelect: (id: string) => void }) {
  const { projects, selectedId, onSelect } = props;
  return (
    <section className="panel" aria-labelledby="projects-heading" data-testid="project-picker">
      <h2 id="projects-heading">Projects</h2>
      {projects === null ? (
        <p className="hint">Loading your projects…</p>
      ) : projects.length === 0 ? (
        <p className="hint">You are not a member of any project yet. Ask your data manager to add you to one.</p>
      ) : (
        <ul className="choice-list">
          {projects.map((project) => (
            <li key={project.id}>
              <button
                type="button"
                className="choice"
                aria-pressed={project.id === selectedId}
                data-testid={`project-${project.id}`}
                onClick={() => onSelect(project.id)}
              >
                <span className="choice-title">{project.name}</span>
                <span className="choice-meta">{project.purpose}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
