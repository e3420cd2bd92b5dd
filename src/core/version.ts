/** ichscan's version, as package.json says (a test checks they agree): SoftwareVersions in DICOM output, `--version`. */
export const ICHSCAN_VERSION = '0.1.0';
