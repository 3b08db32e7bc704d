/*
 * Syntax check of Groovy-based files that cannot run here (nf-test files): parse, never execute.
 * Usage: groovy parse_only.groovy FILE...   (prints one line per file that does not parse; exit 1 then)
 */
def failures = 0
args.each { path ->
    try {
        new GroovyShell().parse(new File(path).text, new File(path).name.replaceAll(/[^A-Za-z0-9_]/, '_'))
    } catch (Throwable error) {
        failures++
        println "${path}: ${error.message.readLines().take(3).join(' ')}"
    }
}
System.exit(failures ? 1 : 0)
