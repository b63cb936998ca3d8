/** What the simulator-backed transfer tests share: short status delays and the project both clouds hold. */
export const FAST = { serverBuildMs: 0, volumeCreateMs: 10, imageActiveMs: 10, serverPowerMs: 10, volumeAttachMs: 0 };

export const COMMON = {
  projects: [{ name: 'shop' }],
  users: [{ name: 'ops', password: 'ops-pw' }],
  role_assignments: [{ user: 'ops', project: 'shop', role: 'member' }],
  flavors: [{ id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 }],
  volume_types: [{ name: 'standard' }],
};
