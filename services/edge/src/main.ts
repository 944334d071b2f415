/**
 * Edge service entry point (container command). A thin composition: all logic
 * lives in packages/. With NATS_URL set it is a cluster-mode edge pod;
 * without, embedded mode with no demo producers.
 */
import { main } from '@herald/cli';

process.env['HERALD_DEMO'] ??= 'false';
process.exitCode = await main([process.env['NATS_URL'] ? 'edge' : 'start']);
