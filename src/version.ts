/** The release version, kept in step with package.json by the release process (checked by a test). */
export const VERSION = '0.1.0';
