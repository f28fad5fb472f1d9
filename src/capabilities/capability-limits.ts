/** Server-side caps on what one run may do through the host interfaces. Plain data, sent with each job. */
export interface HostLimits {
  logMaxEntries: number;
  logMaxBytes: number;
  kvMaxKeyBytes: number;
  kvMaxValueBytes: number;
  /** Live keys per namespace. */
  kvMaxKeys: number;
  kvMaxCalls: number;
  kvMaxList: number;
  httpMaxCalls: number;
  httpTimeoutMs: number;
  httpMaxRequestBytes: number;
  httpMaxResponseBytes: number;
  httpMaxRedirects: number;
  /** The switch that lets guests reach loopback and private addresses. Off by default; tests only. */
  httpAllowPrivate: boolean;
}
