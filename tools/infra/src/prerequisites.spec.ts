import { InfraError } from './errors';
import { JAVA_MISSING, MAVEN_MISSING, parseJavaMajor, requireJava, requireMaven, type Which } from './prerequisites';

const only =
  (...present: string[]): Which =>
  (command) =>
    present.includes(command) ? `/usr/bin/${command}` : undefined;

describe('prerequisites', () => {
  it('without java, fails saying what to install and which variables to set instead', () => {
    expect(() => requireJava(only('mvn'))).toThrow(InfraError);
    expect(() => requireJava(only('mvn'))).toThrow(JAVA_MISSING);
    expect(JAVA_MISSING).toContain('apt-get install openjdk-17-jre-headless');
    expect(JAVA_MISSING).toContain('KAFKA_BROKERS');
    expect(JAVA_MISSING).toContain('DYNAMODB_ENDPOINT');
  });

  it('rejects a Java older than 17, naming the one it found', () => {
    expect(() => requireJava(only('java'), () => 'openjdk version "11.0.2" 2019-01-15')).toThrow(
      /Found Java 11 at \/usr\/bin\/java, but Java 17\+ is required/,
    );
    expect(requireJava(only('java'), () => 'openjdk version "17.0.15" 2025-04-15')).toBe('/usr/bin/java');
  });

  it('without mvn, fails saying what to install', () => {
    expect(() => requireMaven(only('java'))).toThrow(MAVEN_MISSING);
    expect(MAVEN_MISSING).toContain('apt-get install maven');
    expect(requireMaven(only('mvn'))).toBe('/usr/bin/mvn');
  });

  it('reads the major version from modern and legacy `java -version` output', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('java version "1.8.0_402"')).toBe(8);
    expect(parseJavaMajor('something else')).toBeUndefined();
  });
});
