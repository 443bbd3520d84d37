import com.orientechnologies.orient.core.record.impl.ODocument;
import com.orientechnologies.orient.core.metadata.schema.OType;
import com.orientechnologies.orient.core.id.ORecordId;
import com.orientechnologies.orient.core.serialization.serializer.record.binary.ORecordSerializerNetwork;
import com.orientechnologies.orient.core.sql.executor.OResultInternal;
import com.orientechnologies.orient.core.serialization.serializer.result.binary.OResultSerializerNetwork;
import com.orientechnologies.orient.core.serialization.serializer.record.binary.BytesContainer;
import java.math.BigDecimal;
import java.util.*;

// Regenerate: TZ=UTC java -cp "<orientdb-community>/lib/*" GoldenRecords.java   (prints the base64 in src/testing/golden-bytes.ts)
// `read <base64>` decodes bytes this package encoded, with the server's own serializer.
public class GoldenRecords {
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("read")) {
      byte[] bytes = Base64.getDecoder().decode(args[1]);
      ODocument doc = new ODocument();
      ORecordSerializerNetwork.INSTANCE.fromStream(bytes, doc, null);
      for (String name : doc.fieldNames()) {
        Object v = doc.field(name);
        System.out.println(name + " : " + doc.fieldType(name) + " : " + describe(v));
      }
      return;
    }
    ODocument doc = new ODocument("Product");
    doc.field("name", "Caf\u00e9 \u2615");
    doc.field("count", 42, OType.INTEGER);
    doc.field("negative", -7, OType.INTEGER);
    doc.field("big", 9007199254740993L, OType.LONG);
    doc.field("small", (short) -300, OType.SHORT);
    doc.field("tiny", (byte) -5, OType.BYTE);
    doc.field("ratio", 1.5f, OType.FLOAT);
    doc.field("pi", 3.141592653589793d, OType.DOUBLE);
    doc.field("price", new BigDecimal("-1234.5600"), OType.DECIMAL);
    doc.field("active", true, OType.BOOLEAN);
    doc.field("born", new Date(86400000L * 19000), OType.DATE);
    doc.field("seen", new Date(1700000000123L), OType.DATETIME);
    doc.field("blob", new byte[] {0, 1, 2, (byte) 255}, OType.BINARY);
    ODocument inner = new ODocument();
    inner.field("city", "Lisbon");
    inner.field("zip", 1000, OType.INTEGER);
    doc.field("address", inner, OType.EMBEDDED);
    doc.field("tags", Arrays.asList("a", null, 3), OType.EMBEDDEDLIST);
    doc.field("unique", new LinkedHashSet<Object>(Arrays.asList("x", "y")), OType.EMBEDDEDSET);
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("k1", "v1");
    map.put("k2", 2);
    map.put("k3", null);
    doc.field("attrs", map, OType.EMBEDDEDMAP);
    doc.field("owner", new ORecordId(12, 34), OType.LINK);
    doc.field("friends", Arrays.asList(new ORecordId(5, 0), new ORecordId(5, 1)), OType.LINKLIST);
    doc.field("nothing", null, OType.STRING);
    System.out.println("record " + Base64.getEncoder().encodeToString(ORecordSerializerNetwork.INSTANCE.toStream(doc)));

    OResultInternal r = new OResultInternal();
    r.setProperty("name", "x");
    r.setProperty("n", 5);
    r.setProperty("when", new Date(1700000000123L));
    r.setProperty("list", Arrays.asList(1, "two", null));
    Map<String, Object> m2 = new LinkedHashMap<>();
    m2.put("a", 1L);
    r.setProperty("map", m2);
    OResultInternal nested = new OResultInternal();
    nested.setProperty("deep", true);
    r.setProperty("nested", nested);
    r.setProperty("link", new ORecordId(3, 4));
    r.setProperty("none", null);
    BytesContainer bc = new BytesContainer();
    new OResultSerializerNetwork().serialize(r, bc);
    System.out.println("projection " + Base64.getEncoder().encodeToString(bc.fitBytes()));
  }

  static String describe(Object v) {
    if (v == null) return "null";
    if (v instanceof byte[]) return "bytes" + Arrays.toString((byte[]) v);
    if (v instanceof Date) return "date:" + ((Date) v).getTime();
    if (v instanceof ODocument) { ODocument d = (ODocument) v; StringBuilder sb = new StringBuilder("doc(" + d.getClassName() + "){"); for (String n : d.fieldNames()) sb.append(n).append("=").append(d.fieldType(n)).append(":").append(describe(d.field(n))).append(","); return sb.append("}").toString(); }
    if (v instanceof Collection) { StringBuilder sb = new StringBuilder(v.getClass().getSimpleName() + "["); for (Object o : (Collection<?>) v) sb.append(describe(o)).append(o == null ? "" : "/" + o.getClass().getSimpleName()).append(","); return sb.append("]").toString(); }
    if (v instanceof Map) { StringBuilder sb = new StringBuilder("map{"); for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) sb.append(e.getKey()).append("=").append(describe(e.getValue())).append(e.getValue() == null ? "" : "/" + e.getValue().getClass().getSimpleName()).append(","); return sb.append("}").toString(); }
    return v.toString() + "/" + v.getClass().getSimpleName();
  }
}
