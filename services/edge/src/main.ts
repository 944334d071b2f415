/**
 * Edge service entry point (container command). A thin composition: all logic
 * lives in packages/. Without NATS_URL it runs embedded mode without demo
 * producers; cluster mode on NATS is wired in here once available.
 */
import { main } from '@herald/cli';

process.env['HERALD_DEMO'] ??= 'false';
process.exitCode = await main(['start']);
