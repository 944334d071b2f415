/**
 * Edge service entry point (container command). A thin composition: all logic
 * lives in packages/. With NATS_URL set it is a cluster-mode edge pod;
 * without, embedded mode with no demo producers. Both warm up before listening.
 */
import { main } from '@herald/cli';

process.env['HERALD_DEMO'] ??= 'false';
// A pod warms up before it listens (docs/operations.md): its first clients meet compiled code.
process.env['HERALD_WARMUP_CONNECTS'] ??= '3000';
process.exitCode = await main([process.env['NATS_URL'] ? 'edge' : 'start']);
