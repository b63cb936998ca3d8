/** A campaign as Bascule uses it once read: every project with its defaults filled in and its files resolved. */

/** One side of a project's move: a clouds.yaml entry re-scoped to a project (by name or ID). */
export interface CampaignSide {
  cloud: string;
  region?: string;
  project?: string;
  projectId?: string;
  projectDomain?: string;
}

export interface ProjectOptions {
  kinds?: string[];
  excludeKinds?: string[];
  select?: string[];
  serverDisk?: string[];
  consistency?: 'stop' | 'live';
  restartSource?: boolean;
  keepTemporary?: boolean;
  concurrency?: number;
  transferConcurrency?: number;
}

/** Steps a project member cannot do, made with admin credentials on the target (src/campaign/operator.ts). */
export interface OperatorSettings {
  /** clouds.yaml entry with admin rights on the target cloud. */
  cloud: string;
  /** clouds.yaml entry with admin rights on the source cloud (reads the source project's role assignments). */
  sourceCloud?: string;
  /** Create the target project when it does not exist. */
  createProject?: { description?: string; tags?: string[]; domain?: string };
  quotas?: {
    fromSource: boolean;
    compute?: Record<string, number>;
    network?: Record<string, number>;
    blockStorage?: Record<string, number>;
  };
  /** Same users, same roles (users by name in the mapped domain; role names mapped). */
  roles?: { userDomains: Record<string, string>; roleNames: Record<string, string> };
}

export interface CampaignProject {
  /** Unique in the campaign; the project's folder name. */
  id: string;
  wave: string;
  source: CampaignSide;
  target: CampaignSide;
  /** Absolute path of a given plan (no export then). */
  plan?: string;
  /** Absolute path of the mapping. */
  mapping?: string;
  options: ProjectOptions;
  operator?: OperatorSettings;
}

export interface CampaignWave {
  name: string;
  maxFailures?: number;
  projects: CampaignProject[];
}

export interface Campaign {
  name: string;
  /** Absolute path of the campaign file. */
  file: string;
  waves: CampaignWave[];
}

/** Where a project stands: the stage it has finished and what it is doing. */
export const STAGES = ['pending', 'exported', 'planned', 'applying', 'applied', 'audited'] as const;
export type Stage = (typeof STAGES)[number];
export type ProjectStatus =
  | 'pending'
  /** Waiting for a worker (a campaign run from a shared store: `batch run --store`). */
  | 'queued'
  | 'running'
  | 'reviewable'
  | 'done'
  | 'failed'
  | 'rolled-back'
  | 'interrupted';

export function stageAtLeast(stage: Stage, than: Stage): boolean {
  return STAGES.indexOf(stage) >= STAGES.indexOf(than);
}

/** A failure as the report shows it: the real cause, and for a quota which one, what was needed and what was left. */
export interface ProjectFailure {
  stage: string;
  code: string;
  message: string;
  quotas?: { service: string; resource: string; need: number; available: number | null; limit: number | null }[];
  blocked?: { key: string; action: string; reason: string }[];
}

export interface ProjectState {
  id: string;
  wave: string;
  stage: Stage;
  status: ProjectStatus;
  source: string;
  target: string;
  /** Target project ID (after the dry run). */
  targetProjectId?: string;
  /** Fingerprint and digest of the saved dry run that was reviewed. */
  changes?: { fingerprint: string; plan_digest: string; created_at: string; ok: boolean; mutating: number };
  /** Plan entries per kind (non-external). */
  kinds?: Record<string, number>;
  applied?: { created: number; updated: number; unchanged: number; failed: number; skipped: number };
  bytes?: { expected: number; moved: number };
  servers?: { stopped: number; restarted: number };
  audit?: { clean: boolean; missing: number; extra: number; changed: number; report: string };
  failure?: ProjectFailure;
  /** The operator steps: the digest of the reviewed dry run, what was done (src/campaign/operator.ts). */
  operator?: {
    digest: string;
    /** Set while the operator steps are being made (a resume continues them without comparing dry runs). */
    applying?: boolean;
    done?: boolean;
    createdProject?: boolean;
    /** Users of the source project not found on the target (reported, never created). */
    missingUsers?: string[];
  };
  /** The `batch run --store` that queued it (its jobs carry this number; an older run's jobs do nothing). */
  run?: number;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  updatedAt: string;
}

/** What happens, as the campaign runs (the CLI shows them; the store keeps them). */
export type CampaignEvent =
  | { type: 'campaign.start'; campaign: string; mode: 'plan' | 'run'; projects: number; at: string }
  | { type: 'wave.start'; wave: string; projects: number; at: string }
  | { type: 'wave.done'; wave: string; done: number; failed: number; stopped: boolean; at: string }
  | { type: 'project.stage'; project: string; wave: string; stage: string; at: string }
  | { type: 'project.done'; project: string; wave: string; status: ProjectStatus; at: string }
  | { type: 'project.failed'; project: string; wave: string; stage: string; code: string; message: string; at: string }
  | { type: 'project.operator'; project: string; wave: string; summary: string; at: string }
  | { type: 'project.progress'; project: string; resources?: number; bytes?: number; at: string }
  | { type: 'campaign.done'; done: number; failed: number; stopped: boolean; at: string };
