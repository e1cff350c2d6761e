package org.elasticsearch.plugins;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Test-node helper (own code). Lives in {@code org.elasticsearch.plugins} only because
 * {@link PluginsService.LoadedPlugin} is package-private.
 *
 * <p>Everything whose shape drifted between 8.x minors is built reflectively here so that the same file
 * compiles against 8.12 ... 8.19:
 * <ul>
 *   <li>{@code PluginDescriptor} constructor (ES version as {@code Version} in 8.11, as {@code String} in 8.12+,
 *       an extra enum argument in 9.4+);</li>
 *   <li>{@code LoadedPlugin} record (3 components in 8.18+, 4 with a {@code ModuleLayer} before);</li>
 *   <li>{@code PluginsLoader.createPluginsLoader(...)} overloads (8.18+ only).</li>
 * </ul>
 */
public final class WatchfloorPluginSupport {

    private WatchfloorPluginSupport() {}

    /** Builds the metadata ES keeps for a plugin; for classpath plugins it is informational only. */
    public static Object descriptorFor(Class<?> pluginClass) {
        Class<?> descriptorClass = firstClass("org.elasticsearch.plugins.PluginDescriptor", "org.elasticsearch.plugins.PluginInfo");
        Constructor<?> ctor = Arrays.stream(descriptorClass.getConstructors())
            .filter(c -> c.getParameterCount() >= 7 && c.getParameterTypes()[0] == String.class)
            .max(Comparator.comparingInt(Constructor::getParameterCount))
            .orElseThrow(() -> new IllegalStateException("no usable constructor on " + descriptorClass.getName()));

        // positional "string-ish" slots, in the order every 8.x constructor declares them
        Object[] slots = {
            pluginClass.getName(),                                  // name
            "classpath plugin (watchfloor-es)",                          // description
            "NA",                                                   // plugin version
            esVersionString(),                                      // elasticsearch version (String or Version)
            Integer.toString(Runtime.version().feature()),          // java version
            pluginClass.getName(),                                  // classname
            null                                                    // module name (null = not modular)
        };
        int slot = 0;
        Class<?>[] types = ctor.getParameterTypes();
        Object[] args = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            Class<?> t = types[i];
            if (t == boolean.class) {
                args[i] = false;                                    // hasNativeController/isLicensed/isModular/isStable
            } else if (List.class.isAssignableFrom(t)) {
                args[i] = List.of();                                // extended plugins
            } else if (t.isEnum()) {
                args[i] = enumConstant(t, "ALL");                   // 9.4+ deployment target
            } else if (t.getName().equals("org.elasticsearch.Version")) {
                args[i] = esVersionObject();
                slot++;
            } else if (t == String.class) {
                args[i] = slot < slots.length ? slots[slot] : null;
                slot++;
            } else {
                args[i] = null;
                slot++;
            }
        }
        try {
            return ctor.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create " + descriptorClass.getSimpleName() + " via " + ctor, e);
        }
    }

    /** Creates the package-private record {@code PluginsService.LoadedPlugin} whatever its arity. */
    public static PluginsService.LoadedPlugin loadedPlugin(Object descriptor, Plugin instance, ClassLoader loader) {
        Constructor<?> ctor = Arrays.stream(PluginsService.LoadedPlugin.class.getDeclaredConstructors())
            .max(Comparator.comparingInt(Constructor::getParameterCount))
            .orElseThrow();
        Class<?>[] types = ctor.getParameterTypes();
        Object[] args = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            Class<?> t = types[i];
            if (t.isInstance(descriptor)) {
                args[i] = descriptor;
            } else if (t.isInstance(instance)) {
                args[i] = instance;
            } else if (t == ClassLoader.class) {
                args[i] = loader;
            } else if (t == ModuleLayer.class) {
                args[i] = ModuleLayer.boot();
            } else {
                args[i] = null;
            }
        }
        try {
            ctor.setAccessible(true);
            return (PluginsService.LoadedPlugin) ctor.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create LoadedPlugin via " + ctor, e);
        }
    }

    /**
     * An empty {@code PluginsLoader} (no module dirs, no plugin dirs, no server qualified exports).
     * Returned as Object so this class also compiles against pre-8.18 jars where the type does not exist.
     */
    public static Object emptyPluginsLoader() {
        Class<?> loaderClass = firstClass("org.elasticsearch.plugins.PluginsLoader");
        List<Method> candidates = new ArrayList<>();
        for (Method m : loaderClass.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && m.getName().equals("createPluginsLoader")) {
                candidates.add(m);
            }
        }
        // prefer an overload that lets us say withServerExports=false (server is not a named module on the classpath)
        candidates.sort(Comparator.comparingInt((Method m) -> lastParamIsBoolean(m) ? 0 : 1)
            .thenComparingInt(m -> -m.getParameterCount()));
        IllegalStateException failure = new IllegalStateException("no usable PluginsLoader.createPluginsLoader overload");
        for (Method m : candidates) {
            Class<?>[] types = m.getParameterTypes();
            Object[] args = new Object[types.length];
            boolean ok = true;
            for (int i = 0; i < types.length; i++) {
                Class<?> t = types[i];
                if (t == boolean.class) {
                    args[i] = false;
                } else if (Set.class.isAssignableFrom(t)) {
                    args[i] = Set.of();
                } else if (Map.class.isAssignableFrom(t)) {
                    args[i] = Map.of();
                } else if (List.class.isAssignableFrom(t)) {
                    args[i] = List.of();
                } else if (t == Path.class) {
                    args[i] = null;                                 // "do not scan this directory"
                } else {
                    ok = false;
                }
            }
            if (ok == false) {
                continue;
            }
            try {
                return m.invoke(null, args);
            } catch (ReflectiveOperationException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
        throw failure;
    }

    /**
     * Calls PluginsService.loadExtensions(plugins) if this ES version has it (8.14+ as a static package-private
     * method; absent or shaped differently before). Only matters for ExtensiblePlugins; Netty4Plugin is not one.
     */
    public static void loadExtensionsIfPresent(PluginsService service, List<?> plugins) {
        for (Method m : PluginsService.class.getDeclaredMethods()) {
            if (m.getName().equals("loadExtensions") && m.getParameterCount() == 1 && m.getParameterTypes()[0].isInstance(plugins)) {
                try {
                    m.setAccessible(true);
                    m.invoke(Modifier.isStatic(m.getModifiers()) ? null : service, plugins);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("PluginsService.loadExtensions failed", e);
                }
                return;
            }
        }
    }

    static boolean lastParamIsBoolean(Method m) {
        Class<?>[] t = m.getParameterTypes();
        return t.length > 0 && t[t.length - 1] == boolean.class;
    }

    static String esVersionString() {
        Object v = esVersionObject();
        return v == null ? "unknown" : v.toString();
    }

    static Object esVersionObject() {
        try {
            return Class.forName("org.elasticsearch.Version").getField("CURRENT").get(null);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    static Object enumConstant(Class<?> enumType, String preferred) {
        Object[] constants = enumType.getEnumConstants();
        for (Object c : constants) {
            if (((Enum<?>) c).name().equals(preferred)) {
                return c;
            }
        }
        return constants.length > 0 ? constants[0] : null;
    }

    static Class<?> firstClass(String... names) {
        for (String n : names) {
            try {
                return Class.forName(n);
            } catch (ClassNotFoundException ignored) {
                // try next
            }
        }
        throw new IllegalStateException("none of " + Arrays.toString(names) + " is on the classpath");
    }
}
