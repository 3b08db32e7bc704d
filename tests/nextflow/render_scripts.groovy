/*
 * Render the script: (or stub:) block of Nextflow processes the way Nextflow does, without Nextflow.
 *
 * Usage: groovy render_scripts.groovy jobs.json rendered.json
 *
 * jobs.json is a list of {"id", "block", "outputs": [Groovy string literals], "task": {...}, "vars": {...}}.
 * Each block is evaluated as a Groovy script with a binding that stands in for the task context: `task`
 * (ext, cpus, process, ...), `meta` and every input variable. Staged files are plain relative names, as
 * Nextflow renders them; {"path": "x"} is one staged file as a java.nio.file.Path, and {"staged": [...]}
 * becomes a list that prints blank-separated, like Nextflow's BlankSeparatedList for several files. The block's last expression (the command
 * string) is indented-stripped, as Nextflow does. Output patterns are then evaluated in the same binding,
 * so a `prefix` set (without `def`) by the script resolves exactly as Nextflow resolves it.
 */
import groovy.json.JsonOutput
import groovy.json.JsonSlurper

// Like Nextflow's nextflow.util.BlankSeparatedList: iterable, but NOT a java.util.List (Groovy would print a
// List as [a, b] in a GString), so "${files}" renders "a b" exactly as Nextflow renders it.
class BlankSeparatedList implements Iterable {
    private final List target
    BlankSeparatedList(Collection items) { target = new ArrayList(items) }
    Iterator iterator() { target.iterator() }
    int size() { target.size() }
    Object getAt(int index) { target[index] }
    String toString() { target.join(' ') }
}

def convert(value) {
    if (value instanceof Map && value.containsKey('staged')) {
        return new BlankSeparatedList(value.staged.collect { java.nio.file.Paths.get(it) })
    }
    if (value instanceof Map && value.containsKey('path')) {
        return java.nio.file.Paths.get(value.path)  // one staged file: a Path, as in Nextflow
    }
    if (value instanceof Map) {
        return value.collectEntries { k, v -> [k, convert(v)] }
    }
    if (value instanceof List) {
        return value.collect { convert(it) }
    }
    return value
}

def jobs = new JsonSlurper().parse(new File(args[0]))
def rendered = jobs.collect { job ->
    def binding = new Binding()
    def task = convert(job.task)
    task.ext = task.ext ?: [:]
    binding.setVariable('task', task)
    job.vars.each { name, value -> binding.setVariable(name, convert(value)) }
    def shell = new GroovyShell(binding)
    try {
        def command = shell.evaluate(job.block)
        def outputs = job.outputs.collect { literal -> shell.evaluate(literal).toString() }
        [id: job.id, command: command.toString().stripIndent(), outputs: outputs, error: null]
    } catch (Throwable error) {
        [id: job.id, command: null, outputs: [], error: error.toString()]
    }
}
new File(args[1]).text = JsonOutput.toJson(rendered)
