/**
 * Prometheus text exposition (format 0.0.4) of the service's counters, gauges and the job latency
 * histogram. Counters live in memory (they restart at 0 with the process, as Prometheus expects);
 * gauges (queue depth, studies by status, deliveries) are read from the store when scraped.
 */
export const LATENCY_BUCKETS_S = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

export class ServeMetrics {
  instancesReceived = new Map<string, number>();
  instancesRefused = new Map<string, number>();
  associationsRefused = 0;
  /** DICOM TLS handshakes that failed (no certificate, one not from our CA, plain DICOM on the TLS port). */
  tlsHandshakesRefused = 0;
  /** Our certificate's notAfter, seconds since the epoch (null without TLS). */
  certificateExpirySeconds: number | null = null;
  jobsFinished = 0;
  jobsFailed = 0;
  jobRetries = 0;
  deliveriesSent = 0;
  deliveryFailures = 0;
  /** Seconds from the study's last instance to its results written: bucket counts, sum, count. */
  private readonly latencyBuckets = LATENCY_BUCKETS_S.map(() => 0);
  private latencySum = 0;
  private latencyCount = 0;

  countInstance(via: 'dimse' | 'stow' | 'wado' | 'file'): void {
    this.instancesReceived.set(via, (this.instancesReceived.get(via) ?? 0) + 1);
  }

  countRefused(code: string): void {
    this.instancesRefused.set(code, (this.instancesRefused.get(code) ?? 0) + 1);
  }

  observeJobLatency(seconds: number): void {
    LATENCY_BUCKETS_S.forEach((b, i) => {
      if (seconds <= b) this.latencyBuckets[i] = (this.latencyBuckets[i] ?? 0) + 1;
    });
    this.latencySum += seconds;
    this.latencyCount++;
  }

  /** The exposition text; `gauges` come from the store at scrape time. */
  render(gauges: { queueDepth: number; studiesByStatus: Record<string, number>; deliveriesByState: { state: string; n: number }[] }): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    family('ichscan_instances_received_total', 'counter', 'DICOM instances stored, by transport');
    for (const via of ['dimse', 'stow', 'wado', 'file']) out.push(`ichscan_instances_received_total{via="${via}"} ${this.instancesReceived.get(via) ?? 0}`);
    family('ichscan_instances_refused_total', 'counter', 'Instances refused, by error code');
    for (const [code, n] of this.instancesRefused) out.push(`ichscan_instances_refused_total{code="${code}"} ${n}`);
    family('ichscan_associations_refused_total', 'counter', 'DICOM associations refused (calling AE not allowed)');
    out.push(`ichscan_associations_refused_total ${this.associationsRefused}`);
    family('ichscan_dicom_tls_handshakes_refused_total', 'counter', 'DICOM TLS handshakes refused (no or untrusted peer certificate, not TLS)');
    out.push(`ichscan_dicom_tls_handshakes_refused_total ${this.tlsHandshakesRefused}`);
    if (this.certificateExpirySeconds !== null) {
      family('ichscan_tls_certificate_expiry_timestamp_seconds', 'gauge', "When the service's certificate (tlsCert: HTTPS, DICOM TLS) expires, seconds since the epoch");
      out.push(`ichscan_tls_certificate_expiry_timestamp_seconds ${this.certificateExpirySeconds}`);
    }
    family('ichscan_queue_depth', 'gauge', 'Scoring jobs queued or running');
    out.push(`ichscan_queue_depth ${gauges.queueDepth}`);
    family('ichscan_studies', 'gauge', 'Studies by status');
    for (const s of ['received', 'queued', 'scoring', 'done', 'failed']) out.push(`ichscan_studies{status="${s}"} ${gauges.studiesByStatus[s] ?? 0}`);
    family('ichscan_jobs_finished_total', 'counter', 'Scoring jobs finished with results');
    out.push(`ichscan_jobs_finished_total ${this.jobsFinished}`);
    family('ichscan_job_failures_total', 'counter', 'Scoring jobs failed for good (after retries)');
    out.push(`ichscan_job_failures_total ${this.jobsFailed}`);
    family('ichscan_job_retries_total', 'counter', 'Scoring attempts that failed and were retried');
    out.push(`ichscan_job_retries_total ${this.jobRetries}`);
    family('ichscan_job_latency_seconds', 'histogram', 'Seconds from a study complete (queued) to its results written');
    LATENCY_BUCKETS_S.forEach((b, i) => out.push(`ichscan_job_latency_seconds_bucket{le="${b}"} ${this.latencyBuckets[i] ?? 0}`));
    out.push(`ichscan_job_latency_seconds_bucket{le="+Inf"} ${this.latencyCount}`, `ichscan_job_latency_seconds_sum ${this.latencySum}`, `ichscan_job_latency_seconds_count ${this.latencyCount}`);
    family('ichscan_deliveries_total', 'counter', 'Result deliveries that succeeded / attempts that failed');
    out.push(`ichscan_deliveries_total{outcome="delivered"} ${this.deliveriesSent}`, `ichscan_deliveries_total{outcome="attempt_failed"} ${this.deliveryFailures}`);
    family('ichscan_deliveries', 'gauge', 'Deliveries by state');
    for (const s of ['pending', 'delivered', 'failed']) out.push(`ichscan_deliveries{state="${s}"} ${gauges.deliveriesByState.find((d) => d.state === s)?.n ?? 0}`);
    return `${out.join('\n')}\n`;
  }
}
