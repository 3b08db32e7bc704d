/*
 * Evaluate config closures (e.g. ext.args = { ... }) the way Nextflow would at task time, without Nextflow.
 * Usage: groovy eval_closures.groovy jobs.json out.json
 * jobs.json: [{"id", "closure": "{ ... }", "params": {...}, "workflow": {"profile", "containerEngine"}}]
 */
import groovy.json.JsonOutput
import groovy.json.JsonSlurper

def jobs = new JsonSlurper().parse(new File(args[0]))
def results = jobs.collect { job ->
    def binding = new Binding()
    binding.setVariable('params', job.params)
    binding.setVariable('workflow', job.workflow ?: [:])
    try {
        def closure = new GroovyShell(binding).evaluate("def c = " + job.closure + "\nc")
        [id: job.id, value: closure.call()?.toString(), error: null]
    } catch (Throwable error) {
        [id: job.id, value: null, error: error.toString()]
    }
}
new File(args[1]).text = JsonOutput.toJson(results)
