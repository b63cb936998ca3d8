"""A nova FakeDriver for Bascule's end-to-end cloud whose server snapshots hold real bytes.

Why (test/e2e/openstack/README in docs/testing.md, and REPORT.md gotchas 8 and 9 of the shared recipe):
  * the stock nova.virt.fake.FakeDriver.snapshot() only moves the task state, so the image made by
    createImage stays 'queued' with no data; Bascule migrates snapshots, so they must carry data;
  * FakeDriver keeps its servers in memory: after nova-compute restarts (down.sh, up.sh) every action on
    an existing server fails with InstanceNotFound.

This driver writes the server's base image back as the snapshot (the way a real driver uploads its
disk), or 1 MiB of zeros when there is no base image (boot from volume), and re-creates its in-memory
record of any server the database says is running or stopped.

Nova imports drivers only from its own package ('nova.virt.' + compute_driver), so up.sh installs this
file as nova/virt/bascule_fake_driver.py and sets compute_driver = bascule_fake_driver.DataFakeDriver.
"""
import os
import tempfile

from oslo_log import log as logging

from nova import exception
from nova.compute import power_state
from nova.compute import task_states
from nova.image import glance
from nova.virt import fake

LOG = logging.getLogger(__name__)

_KNOWN_STATES = (power_state.RUNNING, power_state.SHUTDOWN, power_state.PAUSED, power_state.SUSPENDED)
_ZEROS = 1024 * 1024


class DataFakeDriver(fake.FakeDriver):

    def get_info(self, instance, use_cache=True):
        # nova-compute asks for every server it owns when it starts: take back the ones we forgot.
        if instance.uuid not in self.instances and instance.power_state in _KNOWN_STATES:
            LOG.info('bascule fake driver: taking back server after a restart', instance=instance)
            self.instances[instance.uuid] = fake.FakeInstance(
                instance.name, instance.power_state, instance.uuid)
        return super().get_info(instance, use_cache)

    def snapshot(self, context, instance, image_id, update_task_state):
        if instance.uuid not in self.instances:
            raise exception.InstanceNotRunning(instance_id=instance.uuid)
        update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD)
        images = glance.API()
        target = images.get(context, image_id)
        disk_format, container_format = 'raw', 'bare'
        handle, path = tempfile.mkstemp(prefix='bascule-snapshot-')
        os.close(handle)
        try:
            if not self._copy_base_image(context, images, instance, path):
                with open(path, 'wb') as out:
                    out.write(b'\0' * _ZEROS)
            else:
                base = images.get(context, instance.image_ref)
                disk_format = base.get('disk_format') or disk_format
                container_format = base.get('container_format') or container_format
            update_task_state(task_state=task_states.IMAGE_UPLOADING,
                              expected_state=task_states.IMAGE_PENDING_UPLOAD)
            meta = {
                'name': target['name'],
                'status': 'active',
                'disk_format': disk_format,
                'container_format': container_format,
                'properties': {'image_location': 'snapshot', 'image_state': 'available',
                               'owner_id': instance.project_id},
            }
            with open(path, 'rb') as data:
                images.update(context, image_id, meta, data)
            LOG.info('bascule fake driver: snapshot %s holds %d bytes', image_id,
                     os.path.getsize(path), instance=instance)
        finally:
            os.unlink(path)

    @staticmethod
    def _copy_base_image(context, images, instance, path):
        if not instance.image_ref:  # booted from a volume
            return False
        try:
            images.download(context, instance.image_ref, dest_path=path)
        except Exception as err:  # the base image was deleted, or is not readable by this project
            LOG.warning('bascule fake driver: base image %s unreadable (%s), snapshot gets zeros',
                        instance.image_ref, err, instance=instance)
            return False
        return os.path.getsize(path) > 0
