// The single place that pins the OrientDB server the workspace tests, benchmarks and the example run against.
//
// Newest 3.2.x for which Maven Central (as reachable from our dev machines and CI) serves
// com.orientechnologies:orientdb-community:<v>:tar.gz. Its maven-metadata.xml lists
// 3.2.6, 3.2.8, 3.2.23, 3.2.24, 3.2.25 (<release>3.2.25</release>), and `mvn dependency:copy`
// of every version from 3.2.26 up to 3.2.60 fails with "Could not find artifact".
// To re-check: `orientdb-server latest` (resolves the range [3.2.0,3.3.0) with mvn).
export const ORIENTDB_VERSION = '3.2.25';
