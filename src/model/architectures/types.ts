/** What every architecture builder receives. */
export interface ArchitectureInput {
  /** Input height = width in pixels. */
  size: number;
  /** Input channels = windows × (context ? 3 : 1). */
  channels: number;
}
