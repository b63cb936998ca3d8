#!/usr/bin/python3
"""Fake amphora heartbeats for the e2e cloud's Octavia, whose amphora driver is no-op.

No-op amphorae send no heartbeats, so octavia-health-manager leaves every operating_status OFFLINE
(../shared/real-openstack-extra/REPORT.md, gotcha O4). This loop stands in for each ALLOCATED amphora:
every INTERVAL seconds it reads the octavia database and sends the health manager a version-2 heartbeat
(zlib-compressed JSON followed by the hex HMAC-SHA256 of it under the heartbeat key, the amphora agent's
format): enabled listeners OPEN, enabled pools UP, enabled members UP, or `no check` in a pool without a
health monitor. Load balancers, listeners, pools and members then show ONLINE (members NO_MONITOR without one).

usage: fake_amp_heartbeat.py [HOST:PORT] [INTERVAL]
The database password and the heartbeat key are both the cloud's password, read from BASCULE_OS_PASSWORD
(the environment, never the command line, so `ps` does not show it).
"""
import hashlib
import hmac
import json
import os
import socket
import sys
import time
import zlib

import pymysql

PW = os.environ['BASCULE_OS_PASSWORD']
HOST, PORT = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:5555').split(':')
INTERVAL = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0


def envelope(message):
    payload = zlib.compress(json.dumps(message).encode(), 9)
    return payload + hmac.new(PW.encode(), payload, hashlib.sha256).hexdigest().encode()


def rows(cursor, sql, *args):
    cursor.execute(sql, args)
    return cursor.fetchall()


def beat(cursor, sock, seq):
    amphorae = rows(cursor, "SELECT id, load_balancer_id FROM amphora "
                            "WHERE status = 'ALLOCATED' AND load_balancer_id IS NOT NULL")
    for amp in amphorae:
        lb = amp['load_balancer_id']
        listeners = rows(cursor, 'SELECT id FROM listener WHERE load_balancer_id = %s AND enabled = 1', lb)
        zero = {'tx': 0, 'rx': 0, 'conns': 0, 'totconns': 0, 'ereq': 0}
        message = {'id': amp['id'], 'seq': seq, 'ver': 2, 'pools': {},
                   'listeners': {row['id']: {'status': 'OPEN', 'stats': dict(zero)} for row in listeners}}
        # a v2 heartbeat keys pools as "<pool id>:<listener id>"
        listener_id = listeners[0]['id'] if listeners else lb
        for pool in rows(cursor, 'SELECT id FROM pool WHERE load_balancer_id = %s AND enabled = 1', lb):
            monitored = rows(cursor, 'SELECT id FROM health_monitor WHERE pool_id = %s AND enabled = 1', pool['id'])
            members = rows(cursor, 'SELECT id FROM member WHERE pool_id = %s AND enabled = 1', pool['id'])
            message['pools'][f"{pool['id']}:{listener_id}"] = {
                'status': 'UP',
                'members': {m['id']: ('UP' if monitored else 'no check') for m in members}}
        sock.sendto(envelope(message), (HOST, int(PORT)))


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    seq = 0
    while True:
        try:
            db = pymysql.connect(host='127.0.0.1', user='octavia', password=PW, database='octavia',
                                 cursorclass=pymysql.cursors.DictCursor, autocommit=True)
            try:
                with db.cursor() as cursor:
                    beat(cursor, sock, seq)
            finally:
                db.close()
            seq += 1
        except Exception as error:  # database not ready, table missing: try again next time
            print('fake_amp_heartbeat:', type(error).__name__, str(error)[:200], file=sys.stderr, flush=True)
        time.sleep(INTERVAL)


if __name__ == '__main__':
    main()
