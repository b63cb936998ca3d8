/**
 * The campaign's state behind one interface: where each project stands (stage, status, counts, failure), where its
 * files go, the event log and the report. FileCampaignStore keeps it all in the campaign directory; another store
 * (a database shared by several machines) implements the same interface. No credential is ever stored: projects
 * name clouds.yaml entries, and the events and states carry names, counts and messages only.
 */
import { appendFile, mkdir, open, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { scrubText } from '../shared/secret.js';
import { atomicWriteFile } from '../shared/fs.js';
import { UsageError } from '../shared/errors.js';
import type { OperatorJournal } from './operator.js';
import type { JournalStore } from '../engine/journal.js';
import type { CampaignEvent, ProjectState } from './types.js';

/** The files of one project's pipeline. */
export interface ProjectFiles {
  dir: string;
  /** The exported (or given) plan, before the mapping. */
  plan: string;
  /** The saved dry run (`bascule.changes/v1`, with the mapped plan): what is reviewed and applied. */
  changes: string;
  journal: string;
  audit: string;
  /** The project's own log: one JSON line per stage and failure. */
  log: string;
}

export interface CampaignStore {
  /** Where the campaign's state lives (a directory, or a database URL without its credentials). */
  readonly location: string;
  /** Claims the campaign for this process; refused while another live process holds it. */
  acquire(): Promise<void>;
  release(): Promise<void>;
  files(projectId: string): ProjectFiles;
  /**
   * Where a project's apply journal lives when it is not the file `files(id).journal` (rows of the campaign
   * database, written under the job's lease). Absent: the file.
   */
  journal?(projectId: string): JournalStore;
  /** The project's operator journal, when not the file beside its operator.json. */
  operatorJournal?(projectId: string): OperatorJournal;
  get(projectId: string): Promise<ProjectState | undefined>;
  put(state: ProjectState): Promise<void>;
  all(): Promise<ProjectState[]>;
  /** Appends to the campaign's event log (and to the project's log when the event is about one). */
  record(event: CampaignEvent): Promise<void>;
  events(): Promise<CampaignEvent[]>;
  /** Writes a report artifact (report.json, report.md, report.html); returns where it went. */
  writeReport(name: string, text: string): Promise<string>;
}

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class FileCampaignStore implements CampaignStore {
  readonly location: string;
  #locked = false;

  constructor(dir: string) {
    this.location = dir;
  }

  get #lockFile(): string {
    return join(this.location, 'campaign.lock');
  }

  async acquire(): Promise<void> {
    await mkdir(this.location, { recursive: true, mode: 0o700 });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const handle = await open(this.#lockFile, 'wx', 0o600);
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        this.#locked = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const pid = Number.parseInt(await readFile(this.#lockFile, 'utf8').catch(() => ''), 10);
        if (Number.isInteger(pid) && pid !== process.pid && alive(pid))
          throw new UsageError(
            'CAMPAIGN_BUSY',
            `the campaign in ${this.location} is being run by process ${pid}; wait for it or stop it`,
          );
        // Left by a process that died (kill -9): take it over.
        await rm(this.#lockFile, { force: true });
      }
    }
    throw new UsageError('CAMPAIGN_BUSY', `cannot lock the campaign in ${this.location}`);
  }

  async release(): Promise<void> {
    if (!this.#locked) return;
    this.#locked = false;
    await rm(this.#lockFile, { force: true });
  }

  files(projectId: string): ProjectFiles {
    // The campaign reader refuses any other id; this is the second line against a path out of the directory.
    if (!SAFE.test(projectId)) throw new UsageError('CAMPAIGN_UNSAFE_NAME', `unsafe project id ${projectId}`);
    const dir = join(this.location, 'projects', projectId);
    return {
      dir,
      plan: join(dir, 'plan.json'),
      changes: join(dir, 'changes.json'),
      journal: join(dir, 'journal.jsonl'),
      audit: join(dir, 'audit'),
      log: join(dir, 'log.jsonl'),
    };
  }

  #stateFile(projectId: string): string {
    return join(this.files(projectId).dir, 'state.json');
  }

  async get(projectId: string): Promise<ProjectState | undefined> {
    try {
      return JSON.parse(await readFile(this.#stateFile(projectId), 'utf8')) as ProjectState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new UsageError(
        'CAMPAIGN_STATE_UNREADABLE',
        `${this.#stateFile(projectId)} cannot be read: ${(error as Error).message}`,
      );
    }
  }

  async put(state: ProjectState): Promise<void> {
    await mkdir(this.files(state.id).dir, { recursive: true, mode: 0o700 });
    await atomicWriteFile(this.#stateFile(state.id), `${JSON.stringify(state, null, 2)}\n`);
  }

  async all(): Promise<ProjectState[]> {
    const root = join(this.location, 'projects');
    const names = await readdir(root).catch(() => [] as string[]);
    const out: ProjectState[] = [];
    for (const name of names.sort()) {
      if (!SAFE.test(name)) continue;
      const state = await this.get(name);
      if (state) out.push(state);
    }
    return out;
  }

  async record(event: CampaignEvent): Promise<void> {
    const line = `${scrubText(JSON.stringify(event))}\n`;
    await mkdir(this.location, { recursive: true, mode: 0o700 });
    await appendFile(join(this.location, 'events.jsonl'), line, { mode: 0o600 });
    if ('project' in event) {
      const files = this.files(event.project);
      await mkdir(files.dir, { recursive: true, mode: 0o700 });
      await appendFile(files.log, line, { mode: 0o600 });
    }
  }

  async events(): Promise<CampaignEvent[]> {
    const text = await readFile(join(this.location, 'events.jsonl'), 'utf8').catch(() => '');
    const out: CampaignEvent[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as CampaignEvent);
      } catch {
        // A line torn by a kill: skipped.
      }
    }
    return out;
  }

  async writeReport(name: string, text: string): Promise<string> {
    if (!SAFE.test(name)) throw new UsageError('CAMPAIGN_UNSAFE_NAME', `unsafe report name ${name}`);
    const path = join(this.location, name);
    await atomicWriteFile(path, text, 0o600);
    return path;
  }
}
