// The report's floor check: a goal against a floor whose floor pm2-dirty beat in any repetition is
// FLOOR WRONG, and never prints a ratio that claims to beat the floor.
import test from 'ava';
import { floorBeaten, ratioGoal, SeriesBook } from '../../bench/lib/scenario.js';

test('floorBeaten names the repetitions where ours did better, by the direction of the measure', (t) => {
  t.is(floorBeaten([10, 12, 9], [11, 11, 11], true), 'the floor was beaten in repetition 2 of 3: the floor is wrong');
  t.is(floorBeaten([10, 12, 9], [11, 11, 11], false), 'the floor was beaten in repetition 1, 3 of 3: the floor is wrong');
  t.is(floorBeaten([5, 5], [5, 6], true), '', 'a tie is not a beaten floor');
});

test('ratioGoal: PASS/MISS against a floor that held, FLOOR WRONG otherwise', (t) => {
  const book = new SeriesBook<'pipe' | 'seq'>();
  for (const [ours, floor] of [
    [70, 100],
    [80, 100],
    [75, 100],
  ]) {
    book.add('pipe', 'ours', ours ?? 0);
    book.add('pipe', 'floor', floor ?? 0);
  }
  const held = ratioGoal(book, 'pipe', 'ours', 'floor', { name: 'x', unit: 'calls/s', atLeast: 0.7, floorCheck: true });
  t.true(held.pass);
  t.is(held.floorWrong, undefined);
  t.is(held.value, 0.75);

  for (const [ours, floor] of [
    [40, 30],
    [41, 30],
    [90, 30],
  ]) {
    book.add('seq', 'ours', ours ?? 0);
    book.add('seq', 'floor', floor ?? 0);
  }
  book.add('seq', 'ours', 20);
  book.add('seq', 'floor', 30);
  const beaten = ratioGoal(book, 'seq', 'ours', 'floor', { name: 'y', unit: 'µs', atMost: 1.3, floorCheck: true });
  t.false(beaten.pass);
  t.is(beaten.floorWrong, 'the floor was beaten in repetition 4 of 4: the floor is wrong');
  t.true(beaten.medianFavoursFloor);

  const peer = ratioGoal(book, 'seq', 'ours', 'floor', { name: 'z', unit: 'µs', atMost: 1.3, floorCheck: false });
  t.is(peer.floorWrong, undefined, 'a peer (not a floor) may be beaten');
});
