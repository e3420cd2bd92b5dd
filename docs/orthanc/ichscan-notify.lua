-- Orthanc → ichscan hand-over (Orthanc 1.10, LuaScripts in orthanc.json): when a study is stable,
-- tell `ichscan serve --pull-from http://<orthanc>:8042/dicom-web` to pull it by WADO-RS.
-- Only studies with a CT series are sent. ichscan's own results (SR/SEG/SC/KO, Manufacturer
-- "ichscan") stored back into the study re-trigger this hook; ichscan ignores them and an
-- unchanged study is not scored again, so there is no loop.
local ICHSCAN_NOTIFY_URL = 'http://127.0.0.1:8043/api/notify'
local ICHSCAN_TOKEN = 'change-me: a write token from ichscan --token-file'

function OnStableStudy(studyId, tags, metadata)
  local series = ParseJson(RestApiGet('/studies/' .. studyId .. '/series'))
  local hasCt = false
  for _, s in ipairs(series) do
    if s['MainDicomTags']['Modality'] == 'CT' then hasCt = true end
  end
  if not hasCt then return end
  local body = DumpJson({ studyInstanceUid = tags['StudyInstanceUID'] }, true)
  local headers = { ['Authorization'] = 'Bearer ' .. ICHSCAN_TOKEN, ['Content-Type'] = 'application/json' }
  HttpPost(ICHSCAN_NOTIFY_URL, body, headers)
  PrintRecursive('ichscan notified of study ' .. studyId)
end
