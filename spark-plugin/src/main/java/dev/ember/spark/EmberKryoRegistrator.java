package dev.ember.spark;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Registers the classes Ember puts into Spark's data path (embedding vectors and batches of
 * them), so jobs run with {@code spark.kryo.registrationRequired=true}:
 *
 * <pre>{@code
 * --conf spark.serializer=org.apache.spark.serializer.KryoSerializer
 * --conf spark.kryo.registrator=dev.ember.spark.EmberKryoRegistrator
 * }</pre>
 */
public final class EmberKryoRegistrator implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    kryo.register(float[].class);
    kryo.register(float[][].class);
  }
}
