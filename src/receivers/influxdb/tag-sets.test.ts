import { describe, expect, it } from 'vitest';
import { Attributes } from '../../model/attributes.js';
import { TagSetCache } from './tag-sets.js';
import { LineProtocolParser } from './line-protocol.js';

describe('tag sets across requests', () => {
  it('a tag set seen in an earlier request is reused, not parsed again', () => {
    const p = new LineProtocolParser();
    const a = p.parse('m,host=a,region=eu f=1', 'ns', 0).metrics[0].points.attributes[0];
    const b = p.parse('other,host=a,region=eu g=2', 'ns', 0).metrics[0].points.attributes[0];
    expect(b).toBe(a);
    expect(b.toObject()).toEqual({ host: 'a', region: 'eu' });
  });

  it('keeps at most two generations: a set in use survives rotation, an unused one is dropped', () => {
    const c = new TagSetCache(2);
    const x = Attributes.fromObject({ k: 'x' });
    c.set('k=x', x);
    c.set('k=y', Attributes.fromObject({ k: 'y' }));
    c.set('k=z', Attributes.fromObject({ k: 'z' })); // rotates: x and y are now the previous generation
    expect(c.get('k=x')).toBe(x); // promoted into the current generation
    c.set('k=w', Attributes.fromObject({ k: 'w' })); // rotates again: y is dropped
    expect(c.get('k=y')).toBeUndefined();
    expect(c.get('k=x')).toBe(x);
    expect(c.size).toBeLessThanOrEqual(4);
  });

});
