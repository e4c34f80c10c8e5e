// Parses each file named on the command line with Jena's strict SPARQL 1.1 parser, as it is on disk (no
// predeclared prefixes), in one JVM: one start-up instead of one per file. Prints "ok NAME" or "error NAME: ...";
// exits 1 when any file is rejected. Run by tests/test_jena.py with Java's single-file source launcher.
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.Syntax;

public class ParseQueries {
    public static void main(String[] args) throws Exception {
        int rejected = 0;
        for (String name : args) {
            String text = Files.readString(Path.of(name));
            try {
                QueryFactory.create(text, Syntax.syntaxSPARQL_11);
                System.out.println("ok " + name);
            } catch (Exception e) {
                rejected++;
                System.out.println("error " + name + ": " + String.valueOf(e.getMessage()).replace('\n', ' '));
            }
        }
        System.exit(rejected == 0 ? 0 : 1);
    }
}
