package dev.ember.spark;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.ByteType$;
import org.apache.spark.sql.types.FloatType$;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NullType$;
import org.apache.spark.sql.types.ShortType$;

/**
 * Registers the classes Ember puts into Spark's data path (embedding vectors and batches of
 * them), so jobs run with {@code spark.kryo.registrationRequired=true}:
 *
 * <pre>{@code
 * --conf spark.serializer=org.apache.spark.serializer.KryoSerializer
 * --conf spark.kryo.registrator=dev.ember.spark.EmberKryoRegistrator
 * }</pre>
 *
 * <p>It also registers the SQL types of Ember's output columns that Spark leaves out of its own
 * list (arrays, nested arrays, float): reading Ember's JSON output back infers a schema on the
 * executors and sends it to the driver as a task result, which fails under required registration
 * without them. Scala singletons among them deserialize to the one instance (Spark's Kryo keeps
 * Scala objects as objects).
 */
public final class EmberKryoRegistrator implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    kryo.register(float[].class);
    kryo.register(float[][].class);
    kryo.register(ArrayType.class);
    kryo.register(MapType.class);
    kryo.register(FloatType$.class);
    kryo.register(ShortType$.class);
    kryo.register(ByteType$.class);
    kryo.register(NullType$.class);
  }
}
