import { section, type z } from '../../config/schema.js';
import { httpServerKeys, validateHttpServer } from '../helper/http-receiver.js';

/**
 * The influxdb receiver's config: the Collector contrib receiver's keys
 * (its confighttp server settings, squashed) and defaults; the body limit
 * applies to the decompressed body (Collector default: 20 MiB).
 */
export const influxdbReceiverSchema = section(httpServerKeys('localhost:8086', 20 * 1024 * 1024));

export type InfluxdbReceiverConfig = z.infer<typeof influxdbReceiverSchema>;

export const validateInfluxdbReceiver = (c: InfluxdbReceiverConfig): string[] => validateHttpServer(c);
