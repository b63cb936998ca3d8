// Words (#13): a failure's message names its subject once ("volume app-logs: volume app-logs: ..." was printed).
import { describe, expect, it } from 'vitest';
import { errorInfo, onceEach } from '../../src/engine/events.js';

describe('onceEach', () => {
  it('drops a subject repeated right after itself, at the start or after a separator', () => {
    expect(onceEach('volume app-logs: volume app-logs: the download broke')).toBe(
      'volume app-logs: the download broke',
    );
    expect(onceEach('image img: transfer failed; last: image img: image img: bytes differ')).toBe(
      'image img: transfer failed; last: image img: bytes differ',
    );
    expect(onceEach('server web-1: server web-1: server web-1: gone')).toBe('server web-1: gone');
  });

  it('leaves other messages alone', () => {
    for (const text of [
      'volume app-logs: the download from src broke',
      'a: b: c',
      'identity: authentication as user x (password) failed with 401: The request you have made requires authentication.',
      'ports: port 1: port 2',
    ])
      expect(onceEach(text)).toBe(text);
  });

  it('is what errorInfo records', () => {
    expect(errorInfo(new Error('volume app-logs: volume app-logs: 404')).message).toBe('volume app-logs: 404');
  });
});
